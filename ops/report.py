"""The quarterly report to the province: one HTML page with charts and maps, the tables as CSV and as an Excel
workbook, and a PDF for sending — all drawn offline (matplotlib, Agg backend) from :mod:`ops.report_figures`.

Texts come from the caller (the ``report`` and ``procedure`` parts of a catalogue of :mod:`api.i18n`), so the
same report is written in Vietnamese or English. A report of synthetic dossiers says so at its top, on every
page of the PDF and in the workbook.
"""

from __future__ import annotations

import base64
import io
import logging
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import jinja2
import matplotlib as mpl
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from mpl_toolkits.axes_grid1 import make_axes_locatable
from sqlalchemy.engine import Engine
from tqdm import tqdm

from geo._errors import InputError
from geo.addressmap import AddressMap
from geo.siting import access
from ops import report_figures
from ops.report_figures import AREAS, Figures

mpl.use("Agg")

log = logging.getLogger(__name__)

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)

SHARES = ("on_time_share", "first_try_share", "done_share", "in_window_share", "door_in_window_share")
"""Columns shown as percentages."""

PLACES = ("lat", "lon", "geometry", "points")
"""Columns of where a row is, for the maps: in no table."""

FILES_ONLY = ("ward_id", "agency_id")
"""Keys the files keep, to join with the map, and the page and the PDF leave out: a ward is said by its official
code, an agency by its name and address (the OSM ids mean nothing to a reader)."""

MAP = "map"
"""Label of the figures that are maps."""

PDF_ROWS = 20
"""Rows of each table printed in the PDF (the page, the CSV files and the workbook have them all)."""

COLOURS = {
    "received": "#377eb8",
    "returned": "#4daf4a",
    "in_progress": "#ff7f00",
    "late": "#e41a1c",
    "waiting": "#984ea3",
    "waiting_long": "#e41a1c",
}


@dataclass(frozen=True)
class Written:
    """The files of a report."""

    html: Path
    pdf: Path
    xlsx: Path
    csv: dict[str, Path]


def _label(texts: Mapping[str, Any], column: str) -> str:
    columns = texts["report"]["columns"]
    if column.startswith("share_within_"):
        return texts["report"]["within"].format(minutes=column.removeprefix("share_within_"))
    if column.startswith("population_within_"):
        return texts["report"]["population_within"].format(minutes=column.removeprefix("population_within_"))
    return columns.get(column, column).format(days=report_figures.LONG_WAIT_DAYS)


def number(value: float, texts: Mapping[str, Any], digits: int = 0) -> str:
    """A number written the reader's way: ``12.345,6`` in Vietnamese, ``12,345.6`` in English; "–" when missing."""
    if pd.isna(value):
        return "–"
    text = f"{value:,.{digits}f}"
    if texts["report"]["decimal"] == ",":
        text = text.translate(str.maketrans(",.", ".,"))
    return text


def _percent(share: float | None, texts: Mapping[str, Any]) -> str:
    """A share as a percentage to a tenth, "–" when there is none."""
    return "–" if share is None else f"{number(100 * share, texts, 1)} %"


def _named(frame: pd.DataFrame, texts: Mapping[str, Any]) -> pd.DataFrame:
    """A table as people read it: procedure and group names in words, columns labelled, no coordinates."""
    frame = frame.drop(columns=[c for c in PLACES if c in frame.columns])
    words = {"procedure": texts["procedure"], "priority_group": texts["report"]["groups"]}
    frame = frame.assign(**{c: frame[c].map(lambda v, w=w: w.get(v, v)) for c, w in words.items() if c in frame})
    return frame.rename(columns={c: _label(texts, c) for c in frame.columns})


def _shown(frame: pd.DataFrame, texts: Mapping[str, Any]) -> pd.DataFrame:
    """:func:`_named` with shares as percentages, decimals rounded (people to the unit) and no OSM ids
    (:data:`FILES_ONLY`), for the page and the PDF."""
    frame = frame.drop(columns=[c for c in FILES_ONLY if c in frame.columns])
    for c in frame.columns:
        if c in SHARES or c.startswith("share_within_"):
            frame[c] = frame[c].map(lambda v: _percent(None if pd.isna(v) else v, texts))
        elif frame[c].dtype.kind == "f":
            people = c == "population" or c.startswith("population_within_")  # estimated, but people are whole
            frame[c] = frame[c].map(lambda v, digits=0 if people else 1: number(v, texts, digits))
    return _named(frame, texts)


def _words(frame: pd.DataFrame) -> int:
    """How many columns of words (codes, names, addresses) a table shows before its figures: set to the left."""
    kept = [c for c in frame.columns if c not in PLACES + FILES_ONLY]
    return next((k for k, c in enumerate(kept) if pd.api.types.is_numeric_dtype(frame[c])), len(kept))


def _html_table(frame: pd.DataFrame, texts: Mapping[str, Any]) -> str:
    """A table of the page, its columns of words to the left (CSS ``words-N`` of the template: pandas gives cells
    no class)."""
    return _shown(frame, texts).to_html(index=False, border=0, classes=["t", f"words-{min(_words(frame), 3)}"])


def _agency_labels(agencies: pd.DataFrame) -> pd.Series:
    """Agencies as a chart names them: by name, and by address too where the name is not theirs alone ("FPT
    Shop"); by id when nothing else tells them apart."""
    named = agencies["name"].where(agencies["name"] != "", agencies["agency_id"])
    shared = named.duplicated(keep=False)
    where = agencies["address"].where(agencies["address"] != "", agencies["agency_id"])
    return named.where(~shared, named + " (" + where + ")")


def _inline(figure: Figure) -> str:
    """A figure as inline HTML: SVG for charts, a PNG image for maps (hundreds of ward outlines)."""
    if figure.get_label() == MAP:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
        return f'<img alt="" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'
    text = io.StringIO()
    figure.savefig(text, format="svg", bbox_inches="tight")
    return text.getvalue()[text.getvalue().index("<svg") :]


def _bars(frame: pd.DataFrame, labels: pd.Series, columns: list[str], title: str, texts: Mapping[str, Any]) -> Figure:
    """Horizontal grouped bars, one group per row."""
    figure = Figure(figsize=(8, 0.45 * len(frame) + 1.4))
    axes = figure.subplots()
    height = 0.8 / len(columns)
    positions = range(len(frame))
    for k, column in enumerate(columns):
        axes.barh(
            [p + k * height for p in positions],
            frame[column],
            height=height,
            label=_label(texts, column),
            color=COLOURS.get(column),
        )
    axes.set_yticks([p + height * (len(columns) - 1) / 2 for p in positions], list(labels))
    axes.invert_yaxis()
    axes.set_title(title)
    axes.legend(loc="lower right", fontsize=8)
    axes.grid(axis="x", alpha=0.3)
    return figure


def _timeliness(figures: Figures, texts: Mapping[str, Any]) -> Figure:
    report = texts["report"]
    figure = Figure(figsize=(8, 3.2))
    left, right = figure.subplots(1, 2)
    on_time, late = int(figures.total["on_time"].iloc[0]), int(figures.total["late"].iloc[0])
    if on_time + late:
        left.pie(
            [on_time, late],
            labels=[_label(texts, "on_time"), _label(texts, "late")],
            colors=["#4daf4a", "#e41a1c"],
            autopct=lambda p: f"{number(p, texts, 1)} %",
        )
    else:
        left.set_axis_off()
    left.set_title(report["chart_timeliness"])
    right.bar(figures.lateness["days_late"].astype(str), figures.lateness["dossiers"], color="#e41a1c")
    right.set_title(report["chart_lateness"])
    right.set_xlabel(_label(texts, "days_late"))
    right.set_ylabel(_label(texts, "dossiers"))
    return figure


def _map(figures: Figures, amap: AddressMap, area: str, texts: Mapping[str, Any]) -> Figure:
    """Wards shaded by the dossiers received from their homes, or agencies or authorities as circles sized by the
    dossiers they received; agencies as small dots underneath."""
    report = texts["report"]
    wards = amap.layers.wards[["ward_id", "geometry"]]
    figure = Figure(figsize=(8, 8))
    figure.set_label(MAP)
    axes = figure.subplots()
    if area == "ward":
        shaded = wards.merge(figures.by_ward[["ward_id", "received"]], on="ward_id", how="left").fillna({"received": 0})
        shaded.plot(
            column="received",
            ax=axes,
            cax=_colour_bar(axes),
            cmap="Blues",
            edgecolor="#666",
            linewidth=0.3,
            legend=True,
        )
    else:
        wards.plot(ax=axes, color="#f4f4f4", edgecolor="#999", linewidth=0.3)
        table = figures.by_agency if area == "agency" else figures.by_authority
        placed = table.dropna(subset=["lat", "lon"])
        size = 600 * placed["received"] / max(float(placed["received"].max() if len(placed) else 0), 1.0)
        axes.scatter(placed["lon"], placed["lat"], s=size, color="#377eb8", alpha=0.6, edgecolor="#123")
    agencies = amap.agencies
    axes.scatter(agencies.geometry.x, agencies.geometry.y, s=6, color="#e41a1c", label=report["agencies"])
    axes.legend(loc="lower left", fontsize=8)
    axes.set_title(report["map_caption"].format(area=report["areas"][area]))
    _frame(axes, amap)
    return figure


def _colour_bar(axes: Any) -> Any:
    """Axes for a map's colour bar, beside it and as tall as the map is drawn (a map keeps its aspect, so a bar
    of the figure's height would stand far above and below it)."""
    return make_axes_locatable(axes).append_axes("right", size="4%", pad=0.1)


def _frame(axes: Any, amap: AddressMap) -> None:
    """The map's extent (its road network), without axes, east and north at the same scale."""
    net = amap.network
    axes.set_xlim(float(net.node_lon.min()), float(net.node_lon.max()))
    axes.set_ylim(float(net.node_lat.min()), float(net.node_lat.max()))
    axes.set_axis_off()
    axes.set_aspect(1 / 0.933)  # cos(21°): metres east and north drawn alike at Hanoi's latitude


def _coverage_map(coverage: access.Coverage, amap: AddressMap, texts: Mapping[str, Any]) -> Figure:
    minutes = coverage.minutes[0]
    figure = Figure(figsize=(8, 8))
    figure.set_label(MAP)
    axes = figure.subplots()
    wards = gpd.GeoDataFrame(coverage.wards, geometry="geometry")
    wards.plot(
        column=f"share_within_{minutes:g}",
        ax=axes,
        cmap="RdYlGn",
        vmin=0,
        vmax=1,
        edgecolor="#666",
        linewidth=0.3,
        legend=True,
        cax=_colour_bar(axes),
    )
    axes.set_title(texts["report"]["within"].format(minutes=f"{minutes:g}"))
    _frame(axes, amap)
    return figure


def _table_figure(frame: pd.DataFrame, title: str, banner: str | None, words: int, rows: int = PDF_ROWS) -> Figure:
    """A table as a PDF page (the first ``rows`` rows; the workbook has them all), its first ``words`` columns
    to the left.

    Each column is one multi-line text, so a page costs a few dozen texts: matplotlib's ``table`` lays out every
    cell on its own (about two seconds a page here).
    """
    figure = Figure(figsize=(11.69, 8.27))
    figure.text(0.03, 0.95, title, fontsize=12, weight="bold")
    shown = frame.head(rows).fillna("–").astype(str).map(lambda v: v if len(v) <= 36 else v[:35] + "…")
    headers = [textwrap.wrap(str(c), max([8, *(len(v) for v in shown[c])])) for c in shown.columns]
    longest = [
        max([*(len(v) for v in shown[c]), *map(len, h)]) + 2 for c, h in zip(shown.columns, headers, strict=True)
    ]
    x = 0.03
    for k, (column, width, lines) in enumerate(zip(shown.columns, longest, headers, strict=True)):
        left, x = x, x + 0.94 * width / sum(longest)
        at, align = (left, "left") if k < words else (x, "right")
        header = "\n".join(lines[:4])
        figure.text(at, 0.91, header, fontsize=6.5, weight="bold", ha=align, va="top", multialignment=align)
        body = "\n".join(shown[column])
        figure.text(at, 0.84, body, fontsize=7, ha=align, va="top", multialignment=align, linespacing=1.6)
    if len(frame) > rows:
        figure.text(0.03, 0.06, f"{rows} / {len(frame)}", fontsize=7, color="#666")
    if banner:
        figure.text(0.5, 0.02, banner, ha="center", fontsize=8, color="#a00")
    return figure


def _cover(figures: Figures, texts: Mapping[str, Any]) -> Figure:
    """The PDF's first page: title, period, the synthetic notice and the key sentences."""
    report = texts["report"]
    cover = Figure(figsize=(8.27, 11.69))
    cover.text(0.08, 0.94, report["title"].format(quarter=figures.period.name), fontsize=16, weight="bold")
    lines = [report["subtitle"].format(first=figures.period.first, last=figures.period.last)]
    lines += [*([report["synthetic"]] if figures.synthetic else []), *_summary(figures, texts), report["definitions"]]
    wrapped = ["\n".join(textwrap.wrap(line, 95)) for line in lines]
    cover.text(0.08, 0.9, "\n\n".join(wrapped), fontsize=9, va="top", linespacing=1.4)
    return cover


def _summary(figures: Figures, texts: Mapping[str, Any]) -> list[str]:
    """The report's key sentences."""
    report = texts["report"]
    total = {c: figures.total[c].iloc[0] for c in figures.total.columns}
    lines = [
        report["counts_line"].format(
            received=number(total["received"], texts),
            returned=number(total["returned"], texts),
            in_progress=number(total["in_progress"], texts),
            overdue=number(total["overdue"], texts),
            cancelled=number(total["cancelled"], texts),
        )
    ]
    if total["returned"]:
        lines.append(
            report["on_time_line"].format(
                share=_percent(total["on_time_share"], texts),
                late=number(total["late"], texts),
                mean=number(total["mean_days_late"], texts, 1),
            )
        )
        lines.append(report["median_line"].format(days=number(total["median_days"], texts, 1)))
    lines.append(
        report["priority_line"].format(
            pickups=number(total["pickups_priority"], texts), returns=number(total["returns_priority"], texts)
        )
    )
    door = figures.door
    if door["door_returns"] or door["collected_at_agency"] or door["door_failures"]:
        lines.append(
            report["door_line"].format(
                returns=number(door["door_returns"], texts),
                first=number(door["first_try"], texts),
                share=_percent(door["first_try_share"] or 0, texts),
                failures=number(door["door_failures"], texts),
                collected=number(door["collected_at_agency"], texts),
                signed=number(door["signed_at_door"], texts),
                authorised=number(door["by_authorised"], texts),
            )
        )
    collection = figures.collection
    if len(collection):
        waiting = int(collection["waiting"].sum())
        line = report["collection_line"].format(
            collected=number(collection["collected"].sum(), texts),
            waiting=number(waiting, texts),
            agencies=number((collection["waiting"] > 0).sum(), texts),
        )
        if waiting:
            line += report["collection_long"].format(
                long=number(collection["waiting_long"].sum(), texts),
                days=report_figures.LONG_WAIT_DAYS,
                oldest=number(collection["oldest_days"].max(), texts),
            )
        lines.append(line)
    sent = figures.notices
    if sent["sent"] or sent["passed"]:
        lines.append(
            report["notices_line"].format(
                sent=number(sent["sent"], texts),
                zalo=number(sent["by_zalo"], texts),
                sms=number(sent["by_sms"], texts),
                delivered=number(sent["delivered"], texts),
                share=_percent(sent["delivered_share"] or 0, texts),
                undelivered=number(sent["undelivered"], texts),
                passed=number(sent["passed"], texts),
            )
            + (report["notices_again"].format(again=number(sent["sms_again"], texts)) if sent["sms_again"] else "")
        )
    p = figures.postmen
    lines.append(
        report["plans_line"].format(
            plans=p["plans"], days=p["days"], km=number(p["km"], texts, 1), hours=number(p["postman_hours"], texts, 1)
        )
        if p["plans"]
        else report["no_plans"]
    )
    if p["stops"]:
        lines.append(
            report["stops_line"].format(
                stops=number(p["stops"], texts),
                done=_percent(p["done_share"], texts),
                window=_percent(p["in_window_share"], texts),
                doors=number(p["door_stops"], texts),
                door=_percent(p["door_in_window_share"], texts),
                delay=number(p["delay_median_min"], texts),
            )
        )
    if figures.coverage is not None:
        covered = figures.coverage.total
        for minutes in figures.coverage.minutes:
            lines.append(
                report["coverage_line"].format(
                    share=_percent(covered[f"share_within_{minutes:g}"], texts), minutes=f"{minutes:g}"
                )
            )
    return lines


def _order(area: str) -> list[str]:
    """The breakdowns, the chosen one first."""
    return [f"by_{area}", *(f"by_{a}" for a in AREAS if a != area)]


def _sections(figures: Figures, texts: Mapping[str, Any], area: str) -> list[tuple[str, str]]:
    """(heading, table name) of each table of the report, in order."""
    report = texts["report"]
    sections = [(report["by_procedure"], "by_procedure"), *((report[name], name) for name in _order(area))]
    sections += [
        (report["lateness"], "lateness"),
        (report["priority"], "priority"),
        (report["door"], "door"),
        (report["collection"], "collection"),
        (report["postmen"], "postmen"),
    ]
    if figures.coverage is not None:
        sections.append((report["coverage"], "coverage"))
    return sections


def draw(figures: Figures, *, amap: AddressMap, texts: Mapping[str, Any], area: str = "ward") -> list[Figure]:
    """The report's charts and maps (matplotlib figures, not attached to any window)."""
    report = texts["report"]
    procedures = figures.by_procedure["procedure"]
    top = figures.by_agency.head(15)
    charts = [
        _bars(
            figures.by_procedure,
            procedures.map(texts["procedure"]).fillna(procedures),
            ["received", "returned", "in_progress"],
            report["chart_procedure"],
            texts,
        ),
        _timeliness(figures, texts),
        _bars(
            top,
            _agency_labels(top),
            ["received", "returned"],
            report["chart_agency"],
            texts,
        ),
        _map(figures, amap, area, texts),
    ]
    waiting = figures.collection[figures.collection["waiting"] > 0].head(15)
    if len(waiting):
        columns = ["waiting", "waiting_long"]
        charts.insert(3, _bars(waiting, _agency_labels(waiting), columns, report["chart_collection"], texts))
    if figures.coverage is not None:
        charts.append(_coverage_map(figures.coverage, amap, texts))
    if figures.synthetic:
        for chart in charts:
            # Under the figure (the saved figures are cut to what they draw), clear of the axes' labels.
            chart.text(0.5, -0.02, report["synthetic"], ha="center", va="top", fontsize=7, color="#a00")
    return charts


def page(figures: Figures, charts: list[Figure], *, texts: Mapping[str, Any], area: str = "ward") -> str:
    """The report as one self-contained HTML page (charts inline as SVG)."""
    report = texts["report"]
    tables = figures.tables()
    return _templates.get_template("report.html").render(
        lang=report["html_lang"],
        title=report["title"].format(quarter=figures.period.name),
        subtitle=report["subtitle"].format(first=figures.period.first, last=figures.period.last),
        banner=report["synthetic"] if figures.synthetic else None,
        summary=_summary(figures, texts),
        charts=[_inline(c) for c in charts],
        tables=[(heading, _html_table(tables[name], texts)) for heading, name in _sections(figures, texts, area)],
        definitions=report["definitions"],
        generated=report["generated"].format(at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        files=report["files"],
    )


def render(
    figures: Figures,
    out_dir: Path,
    *,
    amap: AddressMap,
    texts: Mapping[str, Any],
    area: str = "ward",
    progress: bool = False,
) -> Written:
    """Write the report's files into ``out_dir``: ``report.html``, ``report.pdf``, ``report.xlsx`` and one CSV per
    table.

    Parameters
    ----------
    figures
        The quarter's figures.
    out_dir
        Folder to write into (created).
    amap
        The map (wards and agencies drawn on the maps).
    texts
        A catalogue of :mod:`api.i18n` (its ``report`` part).
    area
        The breakdown drawn on the map and listed first: ``ward``, ``agency`` or ``authority``.
    progress
        Show the stages on standard error.

    Returns
    -------
    Written
        The paths written.
    """
    if area not in AREAS:
        raise InputError(f"--area: one of {', '.join(AREAS)}, got {area!r}")
    report = texts["report"]
    out_dir.mkdir(parents=True, exist_ok=True)
    banner = report["synthetic"] if figures.synthetic else None
    title = report["title"].format(quarter=figures.period.name)
    tables = figures.tables()
    order = _order(area)
    sections = _sections(figures, texts, area)
    bar = tqdm(total=4, desc="report: charts", unit="step", disable=not progress, leave=False)
    charts = draw(figures, amap=amap, texts=texts, area=area)
    bar.update()
    bar.set_description("report: CSV, Excel")
    csv = {}
    for name, frame in tables.items():
        csv[name] = out_dir / f"{name}.csv"
        _named(frame, texts).to_csv(csv[name], index=False, encoding="utf-8-sig")
    xlsx = out_dir / "report.xlsx"
    with pd.ExcelWriter(xlsx, engine="openpyxl") as book:
        about = [title, *([banner] if banner else []), *_summary(figures, texts), report["definitions"]]
        pd.DataFrame({report["about"]: about}).to_excel(book, sheet_name="about", index=False)
        for name, frame in tables.items():
            _named(frame, texts).to_excel(book, sheet_name=name[:31], index=False)

    bar.update()
    bar.set_description("report: PDF")
    pdf = out_dir / "report.pdf"
    with PdfPages(pdf, metadata={"Title": title, "Creator": "agencynet"}) as pages:
        pages.savefig(_cover(figures, texts))
        for chart in charts:
            pages.savefig(chart, bbox_inches="tight")
        # The PDF for sending keeps the chosen breakdown; the other two are on the page and in the workbook.
        for heading, name in (s for s in sections if s[1] not in order[1:]):
            pages.savefig(_table_figure(_shown(tables[name], texts), heading, banner, _words(tables[name])))

    bar.update()
    bar.set_description("report: HTML")
    html = out_dir / "report.html"
    html.write_text(page(figures, charts, texts=texts, area=area), encoding="utf-8")
    bar.update()
    bar.close()
    log.info("report %s written to %s", figures.period.name, out_dir)
    return Written(html, pdf, xlsx, csv)


def build(
    engine: Engine,
    quarter: str,
    out_dir: Path,
    *,
    amap: AddressMap,
    texts: Mapping[str, Any],
    area: str = "ward",
    coverage: access.Coverage | None = None,
    progress: bool = False,
) -> Written:
    """The quarter's report from the store, written into ``out_dir`` (see :func:`render`).

    Parameters
    ----------
    engine
        The store.
    quarter
        ``2026Q1`` and so on.
    out_dir
        Folder to write into.
    amap
        The map.
    texts
        A catalogue of :mod:`api.i18n` (``api.i18n.catalogue("vi")``).
    area
        ``ward``, ``agency`` or ``authority``.
    coverage
        Coverage already computed on this map (computed when omitted).
    progress
        Show the stages on standard error.
    """
    if area not in AREAS:
        raise InputError(f"--area: one of {', '.join(AREAS)}, got {area!r}")
    figures = report_figures.figures(engine, quarter, amap=amap, coverage=coverage)
    return render(figures, out_dir, amap=amap, texts=texts, area=area, progress=progress)
