"""The quarter's report: its counts equal direct queries on a seeded quarter (SQLite and PostgreSQL), its files
are written and readable, bad input is refused; the synthetic journeys behind the seeded quarter."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from api import i18n
from api.cli import main
from geo._text import fold
from geo.addressmap import AddressMap
from geo.hours import HANOI
from geo.siting import access
from ops import authorities, dossiers, ingest, journeys, report, report_figures, simulate, tables
from ops.store import Store
from tests.ops import daycases

QUARTER = "2026Q1"
UNTIL = datetime(2026, 3, 20, 12, tzinfo=HANOI)
"""The seeded quarter is carried out until this moment: some dossiers returned, some still on their way."""


@pytest.fixture(scope="module")
def feed(hanoi: AddressMap) -> list[dict]:
    return simulate.simulate(hanoi, QUARTER, seed=5, count=500)


@pytest.fixture(scope="module")
def coverage(hanoi: AddressMap) -> access.Coverage:
    return access.coverage(hanoi)


def _seed(engine: Engine, feed: list[dict]) -> None:
    ingest.ingest(engine, enumerate(feed, start=1))
    journeys.carry_out(engine, UNTIL)
    store = Store.__new__(Store)
    store.engine = engine
    plan = {"plan": {"totals": {"distance_m": 48_250, "travel_time_s": 9_000}}}
    store.add("plan", {"date": "2026-02-10"}, {}, plan)
    store.add("plan", {"date": "2026-02-10"}, {}, {"plan": {"totals": {"distance_m": 41_000, "travel_time_s": 8_100}}})
    store.add("plan", {"date": "2026-04-02"}, {}, plan)


def _direct(engine: Engine) -> dict:
    """The figures re-derived with plain queries and Python date arithmetic (independent of the report's SQL)."""
    d, ev = tables.dossiers, tables.events
    start = datetime(2026, 1, 1, tzinfo=HANOI).astimezone(UTC)
    end = datetime(2026, 4, 1, tzinfo=HANOI).astimezone(UTC)
    with engine.connect() as conn:
        rows = pd.DataFrame(conn.execute(sa.select(d)).mappings().all())
        moves = pd.DataFrame(
            conn.execute(sa.select(ev.c.dossier_code, ev.c.state, ev.c.at, ev.c.place, ev.c.reason)).mappings().all()
        )
        p = tables.proofs
        signed = pd.DataFrame(
            conn.execute(sa.select(p.c.at, p.c.signer).where(p.c.event == "delivered")).mappings().all()
        )
    for frame, column in ((rows, "received_at"), (moves, "at"), (signed, "at")):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    first = moves.groupby(["dossier_code", "state"])["at"].min().unstack()
    # Returned: the result handed to the applicant, or at its agency for collection, whichever came first.
    handed = moves[moves["state"].isin(["returned", "for_collection"])].groupby("dossier_code")["at"].min()
    rows = rows.join(first[["cancelled"]], on="code").join(handed.rename("returned"), on="code")
    returned = rows["returned"].between(start, end, inclusive="left")
    closed = (rows["returned"] < end) | (rows["cancelled"] < end)
    local_return = rows["returned"].dt.tz_convert("Asia/Ho_Chi_Minh").dt.date
    due = pd.to_datetime(rows["due_date"]).dt.date
    late_days = pd.Series([(r - u).days if pd.notna(r) else 0 for r, u in zip(local_return, due, strict=True)])
    open_ = (rows["received_at"] < end) & ~closed
    days = (rows["returned"] - rows["received_at"]).dt.total_seconds() / 86400
    to_door = moves.join(rows.set_index("code")["return_mode"], on="dossier_code")["return_mode"] == "address"
    door = moves[to_door & moves["at"].between(start, end, inclusive="left")]
    failed = door[door["state"] == "failed_return"]
    at_door = door[(door["state"] == "returned") & (door["place"] == "address")]
    tried = set(moves.loc[to_door & (moves["state"] == "failed_return"), "dossier_code"])
    kept = first["for_collection"].notna()
    gone = first["returned"].combine_first(first["cancelled"])
    return {
        "collected": int((kept & first["returned"].between(start, end, inclusive="left")).sum()),
        "waiting": int((kept & (first["for_collection"] < end) & ~(gone < end)).sum()),
        "received": int((rows["received_at"] >= start).sum()),
        "returned": int(returned.sum()),
        "cancelled": int(rows["cancelled"].between(start, end, inclusive="left").sum()),
        "in_progress": int(open_.sum()),
        "overdue": int((open_ & (due <= date(2026, 3, 31))).sum()),
        "on_time": int((returned & (late_days <= 0)).sum()),
        "late": int((returned & (late_days > 0)).sum()),
        "days_late": int(late_days[returned & (late_days > 0)].sum()),
        "median_days": float(np.quantile(np.round(days[returned] * 10), 0.5, method="lower") / 10),
        "by_procedure": rows[rows["received_at"] >= start].groupby("procedure").size().to_dict(),
        "pickups": int(
            (
                (rows["received_at"] >= start) & (rows["channel"] == "home_pickup") & (rows["priority_group"] != "none")
            ).sum()
        ),
        "home_returns": int((returned & (rows["return_mode"] == "address") & (rows["priority_group"] != "none")).sum()),
        "door": {
            "door_returns": len(at_door),
            "first_try": int((~at_door["dossier_code"].isin(tried)).sum()),
            "failures": failed["reason"].value_counts().to_dict(),
            "by_authorised": int(
                (signed["at"].between(start, end, inclusive="left") & (signed["signer"] == "authorised")).sum()
            ),
        },
    }


def test_counts_equal_direct_queries(engine: Engine, feed: list[dict], hanoi: AddressMap, coverage) -> None:
    _seed(engine, feed)
    figures = report_figures.figures(engine, QUARTER, amap=hanoi, coverage=coverage)
    expected = _direct(engine)
    total = {c: figures.total[c].iloc[0] for c in figures.total.columns}
    assert total["received"] == 500 == expected["received"]
    for name in ("returned", "cancelled", "in_progress", "overdue", "on_time", "late", "days_late"):
        assert total[name] == expected[name], name
    assert 0 < total["returned"] < 500 and total["in_progress"] > 0 and total["late"] > 0
    assert total["median_days"] == pytest.approx(expected["median_days"])
    assert (
        dict(zip(figures.by_procedure["procedure"], figures.by_procedure["received"], strict=True))
        == (expected["by_procedure"])
    )
    assert int(figures.priority["home_pickups"].sum()) == expected["pickups"] == total["pickups_priority"] > 0
    assert int(figures.priority["home_returns"].sum()) == expected["home_returns"] == total["returns_priority"]
    # The synthetic journeys find nobody at home at a few doors, and go again the next working day.
    door = figures.door
    assert (door["door_returns"], door["first_try"]) == (
        expected["door"]["door_returns"],
        expected["door"]["first_try"],
    )
    assert expected["door"]["failures"] == {"nobody_home": door["door_failures"]} and door["door_failures"] > 0
    assert door["first_try"] < door["door_returns"] and door["collected_at_agency"] == 0
    # Every result handed over at the door was signed for (the journeys sign), a few by an authorised person.
    assert door["signed_at_door"] == door["door_returns"]
    assert 0 < door["by_authorised"] == expected["door"]["by_authorised"] < door["door_returns"]
    # Results collected at their agency the next working day; those that came on the last days still wait there.
    collection = figures.collection[["collected", "waiting"]].sum().to_dict()
    assert collection == {"collected": expected["collected"], "waiting": expected["waiting"]}
    assert collection["collected"] > 0 and set(figures.collection["name"]) <= set(figures.by_agency["name"])
    for table in (figures.by_agency, figures.by_authority, figures.by_ward):
        assert table[list(report_figures.COUNTS)].sum().to_dict() == {c: total[c] for c in report_figures.COUNTS}
    assert (figures.by_ward["ward_id"] != "").all() and figures.by_ward["name"].str.startswith(("Phường", "Xã")).all()
    # Each ward by its official code, as the province's portal reads it (the OSM boundary's id was shown as its code).
    official = authorities.communes()
    for table in (figures.by_ward, figures.coverage.wards):
        assert table.columns[0] == "ward_code"
        # The same unit, whether its tone mark sits as the list writes it or as OSM does ("Hoà", "Hòa").
        assert all(
            fold(official[code]) == fold(name) for code, name in zip(table["ward_code"], table["name"], strict=True)
        )
    assert "00070" in set(figures.coverage.wards["ward_code"])  # Phường Hoàn Kiếm
    # Two plans of 10 Feb (the latest counts) and one of April, outside the quarter; none of a working day's stops.
    assert figures.postmen == {"plans": 1, "days": 1, "km": 41.0, "postman_hours": 2.2, "stops": 0} | dict.fromkeys(
        ("done_share", "in_window_share", "door_stops", "door_in_window_share", "delay_median_min")
    ) | {"door_stops": 0}
    assert figures.synthetic


def test_the_files_are_written(tmp_path: Path, feed: list[dict], hanoi: AddressMap, coverage) -> None:
    from ops import database

    engine = database.connect(f"sqlite:///{tmp_path / 'store.sqlite'}")
    _seed(engine, feed)
    _notified(engine)
    written = report.build(
        engine, QUARTER, tmp_path / "out", amap=hanoi, texts=i18n.catalogue("vi"), area="agency", coverage=coverage
    )
    engine.dispose()
    html = written.html.read_text(encoding="utf-8")
    assert '<html lang="vi">' in html and "Báo cáo quý 2026Q1" in html
    # Three charts, and the results still waiting at their agencies when some are.
    waiting = pd.read_csv(written.csv["collection"], encoding="utf-8-sig")["Đang chờ nhận cuối kỳ"].sum()
    assert html.count("Dữ liệu tổng hợp") >= 2 and html.count("data:image/png") == 2
    assert html.count("<svg") == 3 + (waiting > 0)
    assert written.pdf.read_bytes().startswith(b"%PDF")
    book = openpyxl.load_workbook(written.xlsx, read_only=True)
    assert book.sheetnames == ["about", *written.csv]
    sheet = book["by_procedure"]
    assert [c.value for c in next(sheet.iter_rows(max_row=1))][:2] == ["Thủ tục", "Tiếp nhận"]
    assert sum(r[1] for r in sheet.iter_rows(min_row=2, values_only=True)) == 500
    by_agency = pd.read_csv(written.csv["by_agency"], encoding="utf-8-sig")
    assert by_agency["Tiếp nhận"].sum() == 500
    # An agency by its name and address; its OSM id stays in the files, to join with the map, not on the page.
    assert list(by_agency.columns[:3]) == ["Mã điểm tiếp nhận", "Tên", "Địa chỉ"]
    assert (by_agency["Địa chỉ"].fillna("") != "").mean() > 0.8
    assert "Mã điểm tiếp nhận" not in html and "osm:node/" not in html
    # The page's tables: the words they start with to the left (an agency's name and address, a ward's or an
    # authority's code and name; a procedure), the figures to the right.
    assert html.count('<table class="dataframe t words-2">') == 5 and '<table class="dataframe t words-1">' in html
    # People counted whole (the coverage's population of Phường Hoàn Kiếm), other decimals to a tenth.
    assert re.search(r"<td>00070</td>\s*<td>Phường Hoàn Kiếm</td>\s*<td>\d{1,3}(\.\d{3})+</td>", html)
    # The page says a ward by its official code; the files keep the OSM boundary's id too, to join with the map.
    by_ward = pd.read_csv(written.csv["by_ward"], encoding="utf-8-sig", dtype=str)
    assert list(by_ward.columns[:3]) == ["Mã phường, xã", "Mã ranh giới OSM", "Tên"]
    assert by_ward["Mã phường, xã"].str.fullmatch(r"\d{5}").all()
    assert "Mã ranh giới OSM" not in html and all(f"<td>{code}</td>" in html for code in by_ward["Mã phường, xã"])
    assert pd.read_csv(written.csv["postmen"], encoding="utf-8-sig")["Km"].tolist() == [41.0]
    # The applicants' notices of the quarter, and whether they reached the phone.
    assert (
        "Tin nhắn cho người nộp: 5 tin đã gửi (2 qua Zalo, 2 qua SMS), 2 được nhà cung cấp báo đã đến máy (50,0 % số "
        "tin gửi qua Zalo và SMS), 1 không đến được máy; 1 tin không gửi được. Trong số tin qua SMS có 1 tin gửi lại "
        "vì Zalo chưa báo tin trước đã đến máy." in html
    )
    sent = pd.read_csv(written.csv["notices"], encoding="utf-8-sig").iloc[0].to_dict()
    assert sent == {
        "Tin đã gửi": 5,
        "Qua Zalo": 2,
        "Qua SMS": 2,
        "Gửi lại qua SMS": 1,
        "Đã đến máy": 2,
        "Không đến được máy": 1,
        "Tỷ lệ đến máy": 0.5,
        "Không gửi được": 1,
    }


def _notified(engine: Engine) -> None:
    """Notices of the quarter: one by Zalo on the phone, one by SMS that never reached it, one to the operator's own
    gateway, one by Zalo no receipt confirmed and sent again by SMS, on the phone, one passed over; and one of the
    quarter after."""
    at = datetime(2026, 2, 5, 3, tzinfo=UTC)
    row = {"receiver": "notices", "dossier_code": "HS-1", "kind": "for_collection", "at": at}
    unsaid = {"channel": None, "receipt": None, "receipt_at": None}
    rows = [
        row | {"ref": "HS-1:1", "channel": "zalo", "receipt": "delivered", "receipt_at": at},
        row | {"ref": "HS-1:2", "channel": "sms", "receipt": "undelivered", "receipt_at": at},
        row | unsaid | {"ref": "HS-1:3"},
        row | unsaid | {"ref": "HS-1:6", "channel": "zalo"},
        row | {"ref": "HS-1:6:sms", "channel": "sms", "receipt": "delivered", "receipt_at": at},
        row | unsaid | {"ref": "HS-1:4", "channel": "sms", "at": datetime(2026, 4, 1, tzinfo=HANOI)},
    ]
    with engine.begin() as conn:
        conn.execute(sa.insert(tables.sent_notices), rows)
        conn.execute(sa.insert(tables.refused_notices), [row | {"ref": "HS-1:5", "reason": "eSMS: CodeResult 99"}])


def _moved(engine: Engine, code: str, *steps: tuple[str, str]) -> None:
    """Add a decided dossier of Lương Văn Can and move it through ``steps`` (state, Hanoi time)."""
    daycases.add(engine, code, states=daycases.DECIDED)
    for state, at in steps:
        record = "BB-1" if state in dossiers.HANDOVERS else None
        when = datetime.fromisoformat(at).replace(tzinfo=HANOI)
        dossiers.move(engine, code, state, who="test", record_no=record, at=when)


def test_results_waiting_at_their_agency_are_counted_whenever_they_arrived(
    engine: Engine, hanoi: AddressMap, coverage
) -> None:
    arrives = ("returning", "2026-02-05 15:00")
    # OLD waits from 6 February and is never collected; QUICK arrives on 30 March and is collected on 2 April;
    # SOON waits two days in February; GONE is cancelled while it waits; TAKEN is taken as it arrives.
    _moved(engine, "OLD", arrives, ("for_collection", "2026-02-06 09:00"))
    _moved(engine, "QUICK", arrives, ("for_collection", "2026-03-30 15:00"), ("returned", "2026-04-02 10:00"))
    _moved(engine, "SOON", arrives, ("for_collection", "2026-02-10 16:00"), ("returned", "2026-02-12 08:00"))
    _moved(engine, "GONE", arrives, ("for_collection", "2026-02-10 16:00"), ("cancelled", "2026-02-20 08:00"))
    _moved(engine, "TAKEN", arrives, ("returned", "2026-02-06 09:00"))
    columns = ["agency_id", *report_figures.COLLECTION]
    first = report_figures.figures(engine, "2026Q1", amap=hanoi, coverage=coverage).collection
    # At the quarter's end (1 April): OLD has waited 54 days, QUICK 2; SOON was collected after 2 days.
    assert first[columns].to_dict("records") == [
        {
            "agency_id": daycases.LUONG_VAN_CAN,
            "collected": 1,
            "median_days_to_collect": 2.0,
            "waiting": 2,
            "waiting_long": 1,
            "oldest_days": 54.0,
        }
    ]
    assert first["name"].iloc[0] == "Bưu điện Lương Văn Can"
    # The next quarter received nothing of these and returned none (their results reached the agency before it),
    # yet OLD still waits there, 145 days on 1 July, and QUICK was collected after 3 days.
    second = report_figures.figures(engine, "2026Q2", amap=hanoi, coverage=coverage)
    assert int(second.total["received"].iloc[0]) == int(second.total["returned"].iloc[0]) == 0
    assert second.collection[columns].to_dict("records") == [
        {
            "agency_id": daycases.LUONG_VAN_CAN,
            "collected": 1,
            "median_days_to_collect": 3.0,
            "waiting": 1,
            "waiting_long": 1,
            "oldest_days": 145.0,
        }
    ]
    html = report.page(second, [], texts=i18n.catalogue("vi"))
    assert (
        "Kết quả trả tại điểm phục vụ: 1 kết quả được người nộp đến nhận trong quý; cuối kỳ còn 1 kết quả chờ nhận "
        "tại 1 điểm phục vụ. Trong đó 1 kết quả đã chờ quá 30 ngày; lâu nhất 145 ngày." in html
    )
    assert "<th>Chờ quá 30 ngày</th>" in html and "<th>Đang chờ nhận cuối kỳ</th>" in html
    # A chart of them by agency, those waiting too long beside.
    charts = report.draw(second, amap=hanoi, texts=i18n.catalogue("vi"))
    (chart,) = [c for c in charts if c.axes[0].get_title().startswith("Kết quả chờ người nộp đến nhận cuối kỳ")]
    assert [label.get_text() for label in chart.axes[0].get_yticklabels()] == ["Bưu điện Lương Văn Can"]
    assert [text.get_text() for text in chart.axes[0].get_legend().get_texts()] == [
        "Đang chờ nhận cuối kỳ",
        "Chờ quá 30 ngày",
    ]
    # Before any arrived, and a year on, when nothing is left waiting or collected: no row.
    assert report_figures.figures(engine, "2025Q4", amap=hanoi, coverage=coverage).collection.empty
    dossiers.move(engine, "OLD", "returned", who="test", record_no="BB-2", at=datetime(2026, 9, 1, tzinfo=HANOI))
    later = report_figures.figures(engine, "2026Q4", amap=hanoi, coverage=coverage)
    assert later.collection.empty and "Kết quả trả tại điểm phục vụ" not in report.page(
        later, [], texts=i18n.catalogue("vi")
    )


def test_a_quarter_without_dossiers_reports_zeros(tmp_path: Path, hanoi: AddressMap, coverage) -> None:
    from ops import database

    engine = database.connect(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    written = report.build(engine, "2030Q4", tmp_path, amap=hanoi, texts=i18n.catalogue("en"), coverage=coverage)
    engine.dispose()
    html = written.html.read_text(encoding="utf-8")
    assert "Received 0 dossiers" in html and "No dispatch plan is stored" in html and "Synthetic data" not in html


@pytest.mark.parametrize("quarter", ["2026Q5", "26Q1", "1999Q4", "2026q1"])
def test_a_bad_quarter_is_refused(quarter: str) -> None:
    with pytest.raises(report_figures.InputError, match="--quarter"):
        report_figures.period(quarter)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--quarter", "2026Q7"], "--quarter: expected YEARQn"),
        (["--quarter", "2026Q1", "--area", "district"], "invalid choice"),
    ],
)
def test_the_command_refuses_bad_input_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    try:
        code = main(["report", *argv, "--out", str(tmp_path)])
    except SystemExit as exc:  # argparse's own refusals
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1


def test_the_median_of_a_histogram_is_the_lower_middle() -> None:
    values, counts = np.array([30, 10, 20]), np.array([1, 2, 1])
    assert (
        report_figures.median_of_histogram(values, counts) == 10 == np.quantile([10, 10, 20, 30], 0.5, method="lower")
    )
    assert report_figures.median_of_histogram(np.array([5, 7]), np.array([1, 2])) == 7


def test_journeys_stop_at_the_given_moment_and_are_not_repeated(tmp_path: Path, feed: list[dict]) -> None:
    from ops import database

    engine = database.connect(f"sqlite:///{tmp_path / 'store.sqlite'}")
    ingest.ingest(engine, enumerate(feed, start=1))
    moved = journeys.carry_out(engine, UNTIL)
    assert moved > 0 and journeys.carry_out(engine, UNTIL) == 0
    with engine.connect() as conn:
        latest = conn.execute(sa.select(sa.func.max(tables.events.c.at)).where(tables.events.c.who == "synthetic"))
        assert dossiers.utc(latest.scalar_one()) < UNTIL
        codes = conn.scalars(sa.select(tables.dossiers.c.code).order_by(tables.dossiers.c.code).limit(40)).all()
    for code in codes:
        assert dossiers.derived_state(dossiers.history(engine, code)) == dossiers.current(engine, code)["state"]
    # A home pickup is collected at the door on the next working day's round, not digitised at the agency.
    d, ev = tables.dossiers, tables.events
    with engine.connect() as conn:
        collected = conn.execute(
            sa.select(ev.c.place, ev.c.at)
            .join(d, d.c.code == ev.c.dossier_code)
            .where(d.c.channel == "home_pickup", ev.c.state == "digitised")
        ).all()
    assert collected and {place for place, _ in collected} == {"address"}
    assert {dossiers.utc(at).astimezone(HANOI).time() for _, at in collected} == {time(9)}
    # Each result collected at its agency was signed for at the counter, and only those.
    p = tables.proofs
    with engine.connect() as conn:
        at_counter = conn.execute(
            sa.select(ev.c.dossier_code).where(ev.c.state == "returned", ev.c.place != "address")
        ).scalars()
        signed = conn.execute(sa.select(p.c.dossier_code).where(p.c.event == "collected")).scalars()
        assert sorted(signed) == sorted(at_counter) != []
    summary = dossiers.summary(engine)["by_state"]
    assert summary["returned"] > 0 and summary.get("received", 0) > 0
    engine.dispose()
    assert timedelta(0) < UNTIL - datetime(2026, 3, 1, tzinfo=HANOI)


def test_numbers_are_written_the_readers_way() -> None:
    assert report.number(12345.67, i18n.catalogue("vi"), 1) == "12.345,7"
    assert report.number(12345.67, i18n.catalogue("en"), 1) == "12,345.7"
    assert report.number(float("nan"), i18n.catalogue("vi")) == "–"


def test_past_due_is_counted_at_the_quarters_end_or_today() -> None:
    assert report_figures.period("2020Q1").as_of == date(2020, 4, 1)
    assert report_figures.period("2099Q4").as_of == datetime.now(HANOI).date()


def test_agencies_of_one_name_are_told_apart_in_the_charts() -> None:
    # Three FPT Shops among the agencies receiving most: each said with its address, or its id without one.
    agencies = pd.DataFrame(
        {
            "agency_id": ["osm:node/1", "osm:node/2", "osm:node/3", "osm:node/4"],
            "name": ["FPT Shop", "Bưu điện Cửa Nam", "FPT Shop", ""],
            "address": ["Đường Cầu Giấy", "1 Đình Ngang", "", ""],
        }
    )
    assert report._agency_labels(agencies).tolist() == [
        "FPT Shop (Đường Cầu Giấy)",
        "Bưu điện Cửa Nam",
        "FPT Shop (osm:node/3)",
        "osm:node/4",
    ]
