"""The quarter's figures (:mod:`ops.report`), computed from the store by SQL (SQLite and PostgreSQL alike).

The Hậu Giang agreement asks Vietnam Post for a progress report every three months. A quarter's figures are
flows within the quarter (Hanoi time) and the stock at its end:

- ``received``: dossiers received in the quarter;
- ``returned``: dossiers whose result was handed over in the quarter, whenever received: to the applicant (event
  ``returned``), or at the agency for collection (``for_collection``: the service's part is done, whenever the
  applicant comes), the first of them;
- ``cancelled``: dossiers cancelled in the quarter;
- ``in_progress``: dossiers received before the quarter's end and neither returned nor cancelled by then;
  ``overdue``: those of them whose due date had passed at the quarter's end (today, in a quarter not over yet);
- ``on_time``: returned dossiers handed over on or before their due date (Hanoi date); the others are ``late``,
  ``days_late`` summed over them (the day of return minus the due date);
- ``median_days``: median time from reception to return of the returned dossiers, in days (to 0.1 day);
- ``pickups_priority`` / ``returns_priority``: home pickups received and results returned to the address for
  the priority groups (people with meritorious service, social-protection beneficiaries);
- at the citizen's door (:func:`door_figures`), of the results asked for at the address: ``door_returns`` handed
  over at the door in the quarter, ``first_try`` of them at the first try, ``collected_at_agency`` handed over
  elsewhere (at the agency, after the tries at the door or a refusal: :mod:`ops.daytasks`), the results signed for
  at the door in the quarter, ``signed_at_door``, ``by_authorised`` of them by a person the applicant authorised
  (:mod:`ops.proofs`; a result the counter recorded brought home, or one delivered before signatures were taken,
  has none), and the tries at the door that failed in the quarter, ``door_failures``, by reason;
- results brought to their agency for the applicant to collect (:func:`collection_figures`), per agency:
  ``collected`` at the counter in the quarter and the median days they waited, and the stock ``waiting`` there
  at the quarter's end, whenever it arrived (before the quarter too), with the oldest's days and those waiting more
  than :data:`LONG_WAIT_DAYS`.

Every figure is one aggregate query over ``dossiers`` and the ``returned``/``for_collection``/``cancelled``
events (see :func:`_scope`), grouped by procedure, receiving agency, deciding authority or the applicant's home
(wards are found for the distinct home points, then summed). Kilometres and postman-hours come from the dispatch
plans stored for days of the quarter; coverage by travel time from :func:`geo.siting.access.coverage`.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from geo._errors import InputError
from geo.addressmap import AddressMap
from geo.hours import HANOI
from geo.siting import access
from ops import authorities, daytasks, gateways, performance, receipts, tables
from ops.dossiers import RESULT_HANDED, utc
from ops.store import Store

log = logging.getLogger(__name__)

AREAS = ("ward", "agency", "authority")
"""Breakdowns the report's map and first table can be drawn by."""

COUNTS = (
    "received",
    "returned",
    "cancelled",
    "in_progress",
    "overdue",
    "on_time",
    "late",
    "days_late",
    "pickups_priority",
    "returns_priority",
)
"""Columns every breakdown has, in this order (see the module's docstring)."""

_QUARTER = re.compile(r"(\d{4})Q([1-4])")
YEARS = (2000, 2100)
"""Years a quarter may name."""


@dataclass(frozen=True)
class Period:
    """A quarter: its name and its first and last day (Hanoi dates)."""

    name: str
    first: date
    last: date

    @property
    def start(self) -> datetime:
        """Start of the first day, Hanoi time."""
        return datetime.combine(self.first, time(0), HANOI)

    @property
    def as_of(self) -> date:
        """The day after the last, or today in a quarter not over yet: a due date before it has passed."""
        return min(self.last + timedelta(days=1), datetime.now(HANOI).date())

    @property
    def end(self) -> datetime:
        """Start of the day after the last, Hanoi time (exclusive end)."""
        return datetime.combine(self.last + timedelta(days=1), time(0), HANOI)


def period(quarter: str) -> Period:
    """The quarter written ``2026Q1``.

    Raises
    ------
    InputError
        Not of the form ``YYYYQn`` with a year from 2000 to 2099.
    """
    hit = _QUARTER.fullmatch(quarter)
    if hit is None or not YEARS[0] <= int(hit[1]) < YEARS[1]:
        raise InputError(
            f"--quarter: expected YEARQn such as 2026Q1 (years {YEARS[0]}-{YEARS[1] - 1}), got {quarter!r}"
        )
    year, q = int(hit[1]), int(hit[2])
    first = date(year, 3 * q - 2, 1)
    after = date(year + (q == 4), (3 * q) % 12 + 1, 1)
    return Period(quarter, first, after - timedelta(days=1))


class _HanoiDay(FunctionElement):
    """Day number of a stored UTC time's Hanoi date (UTC+7, no daylight saving); only differences matter."""

    type = sa.Integer()
    inherit_cache = True


class _DateDay(FunctionElement):
    """Day number of a date, numbered as :class:`_HanoiDay`."""

    type = sa.Integer()
    inherit_cache = True


class _DaysBetween(FunctionElement):
    """Days (fractional) from the first time to the second."""

    type = sa.Float()
    inherit_cache = True


# julianday counts from noon; the cast truncates a positive number, i.e. takes its floor.
@compiles(_HanoiDay, "sqlite")
def _hanoi_day_sqlite(element: _HanoiDay, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}, '+7 hours') - 0.5 AS INTEGER)"


@compiles(_DateDay, "sqlite")
def _date_day_sqlite(element: _DateDay, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) - 0.5 AS INTEGER)"


@compiles(_DaysBetween, "sqlite")
def _days_sqlite(element: _DaysBetween, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"(julianday({b}) - julianday({a}))"


@compiles(_HanoiDay, "postgresql")
def _hanoi_day_postgresql(element: _HanoiDay, compiler: SQLCompiler, **kw: Any) -> str:
    local = f"(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC' + INTERVAL '7 hours')"
    return f"(CAST({local} AS date) - DATE '2000-01-01')"


@compiles(_DateDay, "postgresql")
def _date_day_postgresql(element: _DateDay, compiler: SQLCompiler, **kw: Any) -> str:
    return f"(({compiler.process(element.clauses, **kw)}) - DATE '2000-01-01')"


@compiles(_DaysBetween, "postgresql")
def _days_postgresql(element: _DaysBetween, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({b} - {a})) / 86400.0)"


def _scope(when: Period) -> sa.Select:
    """One row per dossier that was open at some moment of the quarter, with the flags the figures sum.

    The return and cancellation times are the first result handed over (:data:`ops.dossiers.RESULT_HANDED`) and
    the first ``cancelled`` event of each dossier.
    """
    d, ev = tables.dossiers, tables.events
    start, end = when.start, when.end
    handed = ev.c.state.in_(RESULT_HANDED)
    ends = (
        sa.select(
            ev.c.dossier_code,
            sa.func.min(sa.case((handed, ev.c.at))).label("returned_at"),
            sa.func.min(sa.case((ev.c.state == "cancelled", ev.c.at))).label("cancelled_at"),
        )
        .where(ev.c.state.in_((*RESULT_HANDED, "cancelled")))
        .group_by(ev.c.dossier_code)
        .subquery("ends")
    )
    returned_at, cancelled_at = ends.c.returned_at, ends.c.cancelled_at
    returned = sa.and_(returned_at >= start, returned_at < end)
    closed = sa.or_(returned_at < end, cancelled_at < end)
    late_by = _HanoiDay(returned_at) - _DateDay(d.c.due_date)
    priority = d.c.priority_group != "none"
    received = d.c.received_at >= start

    def flag(condition: ColumnElement) -> ColumnElement:
        return sa.case((condition, 1), else_=0)

    return (
        sa.select(
            d.c.code,
            d.c.procedure,
            d.c.agency_id,
            d.c.authority_code,
            d.c.lat,
            d.c.lon,
            d.c.synthetic,
            d.c.priority_group,
            flag(received).label("received"),
            flag(returned).label("returned"),
            flag(sa.and_(cancelled_at >= start, cancelled_at < end)).label("cancelled"),
            flag(~sa.func.coalesce(closed, False)).label("in_progress"),
            flag(sa.and_(~sa.func.coalesce(closed, False), d.c.due_date < when.as_of)).label("overdue"),
            flag(sa.and_(returned, late_by <= 0)).label("on_time"),
            flag(sa.and_(returned, late_by > 0)).label("late"),
            sa.case((sa.and_(returned, late_by > 0), late_by), else_=0).label("days_late"),
            sa.case((returned, _DaysBetween(d.c.received_at, returned_at))).label("days"),
            flag(sa.and_(received, d.c.channel == "home_pickup", priority)).label("pickups_priority"),
            flag(sa.and_(returned, d.c.return_mode == "address", priority)).label("returns_priority"),
        )
        .select_from(d.outerjoin(ends, ends.c.dossier_code == d.c.code))
        .where(
            d.c.received_at < end,
            sa.or_(returned_at.is_(None), returned_at >= start),
            sa.or_(cancelled_at.is_(None), cancelled_at >= start),
        )
    )


@contextmanager
def _materialised(conn: sa.Connection, when: Period) -> Iterator[sa.Table]:
    """The quarter's scope (:func:`_scope`) as a temporary table of the connection, evaluated once for all the
    breakdowns (each would otherwise group the journeys' events again), dropped on leaving."""
    query = _scope(when)
    name = f"report_scope_{secrets.token_hex(4)}"
    columns = [
        sa.Column(c.name, sa.Float() if isinstance(c.type, sa.types.NullType) else c.type)
        for c in query.selected_columns
    ]
    temp = sa.Table(name, sa.MetaData(), *columns, prefixes=["TEMPORARY"])
    temp.create(conn)
    try:
        conn.execute(temp.insert().from_select([c.name for c in query.selected_columns], query))
        yield temp
    finally:
        temp.drop(conn)


def _sums(scope: sa.Table, keys: list[str]) -> sa.Select:
    columns = [sa.func.sum(scope.c[c]).label(c) for c in COUNTS]
    return sa.select(*(scope.c[k] for k in keys), *columns).group_by(*(scope.c[k] for k in keys))


def _medians(scope: sa.Table, keys: list[str]) -> sa.Select:
    """Histogram of the reception-to-return times in tenths of a day, per group (the median is read from it)."""
    tenths = sa.cast(sa.func.round(scope.c.days * 10), sa.Integer).label("tenths")
    return (
        sa.select(*(scope.c[k] for k in keys), tenths, sa.func.count().label("n"))
        .where(scope.c.days.is_not(None))
        .group_by(*(scope.c[k] for k in keys), tenths)
    )


def median_of_histogram(values: np.ndarray, counts: np.ndarray) -> float:
    """The median of values given with their counts (the lower middle value for an even total)."""
    if counts.sum() == 0:
        return float("nan")
    order = np.argsort(values)
    values, counts = values[order], counts[order]
    return float(values[np.searchsorted(np.cumsum(counts), (counts.sum() + 1) // 2)])


@dataclass
class Figures:
    """The quarter's figures: one table per breakdown (the :data:`COUNTS` columns plus shares and medians).

    Attributes
    ----------
    period
        The quarter.
    total
        The quarter's totals (a one-row table).
    by_procedure, by_agency, by_authority, by_ward
        Breakdowns, keyed by ``procedure``, ``agency_id``, ``authority_code`` and ``ward_id`` (the applicant's
        home), with names where the map or the registry has them.
    lateness
        Late returns by whole days late.
    priority
        Home pickups and home returns per priority group.
    door
        The results asked for at the address, at the door (:func:`door_figures`).
    collection
        Results collected at, and waiting at, each agency (:func:`collection_figures`), with names.
    notices
        The applicants' SMS and Zalo notices, and whether they reached the phone (:func:`notice_figures`).
    postmen
        Plans of the quarter's days: ``plans``, ``km``, ``postman_hours`` (driving time of the planned routes).
    coverage
        Wards with the population within each travel-time threshold of an agency.
    synthetic
        Whether any dossier of the quarter is synthetic.
    """

    period: Period
    total: pd.DataFrame
    by_procedure: pd.DataFrame
    by_agency: pd.DataFrame
    by_authority: pd.DataFrame
    by_ward: pd.DataFrame
    lateness: pd.DataFrame
    priority: pd.DataFrame
    postmen: dict
    door: dict
    collection: pd.DataFrame
    coverage: access.Coverage | None
    synthetic: bool
    notices: dict
    notes: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name, as they go to CSV and Excel (the coverage table without geometry)."""
        out = {
            "total": self.total,
            "by_procedure": self.by_procedure,
            "by_agency": self.by_agency,
            "by_authority": self.by_authority,
            "by_ward": self.by_ward,
            "lateness": self.lateness,
            "priority": self.priority,
            "postmen": pd.DataFrame([self.postmen]),
            "door": pd.DataFrame([self.door]),
            "collection": self.collection,
            "notices": pd.DataFrame([self.notices]),
        }
        if self.coverage is not None:
            out["coverage"] = pd.DataFrame(self.coverage.wards.drop(columns="geometry"))
        return out


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts as integers, the on-time share and the mean lateness added."""
    frame = frame.copy()
    for c in COUNTS:
        frame[c] = frame[c].fillna(0).astype("int64")
    returned = frame["returned"].where(frame["returned"] > 0)
    frame["on_time_share"] = (frame["on_time"] / returned).round(4)
    frame["mean_days_late"] = (frame["days_late"] / frame["late"].where(frame["late"] > 0)).round(2)
    return frame


def _with_medians(conn: sa.Connection, scope: sa.Table, frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    hist = pd.DataFrame(conn.execute(_medians(scope, keys)).mappings().all(), columns=[*keys, "tenths", "n"])
    if keys and hist.empty:
        frame["median_days"] = np.nan
    elif keys:
        medians = hist.groupby(keys).apply(
            lambda g: median_of_histogram(g["tenths"].to_numpy(), g["n"].to_numpy()) / 10, include_groups=False
        )
        frame = frame.merge(medians.rename("median_days").reset_index(), on=keys, how="left")
    else:
        frame["median_days"] = median_of_histogram(hist["tenths"].to_numpy(), hist["n"].to_numpy()) / 10
    return frame


def _grouped(conn: sa.Connection, scope: sa.Table, keys: list[str]) -> pd.DataFrame:
    rows = conn.execute(_sums(scope, keys)).mappings().all()
    return _finish(pd.DataFrame(rows, columns=[*keys, *COUNTS]))


def _coded(wards: pd.DataFrame, codes: dict[str, str]) -> pd.DataFrame:
    """``wards`` with the official code of each (``ward_code``, the General Statistics Office's, which the province's
    portal reads; "" for one the official list lacks) first."""
    return wards.assign(ward_code=wards["ward_id"].map(codes).fillna(""))[
        ["ward_code", *(c for c in wards.columns if c != "ward_code")]
    ]


def _wards(frame: pd.DataFrame, amap: AddressMap) -> pd.DataFrame:
    """Sums per home point summed per ward of the map (points outside every ward under ``ward_id`` "")."""
    wards = amap.layers.wards[["ward_id", "name", "geometry"]]
    points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=wards.crs)
    joined = gpd.sjoin(points, wards, how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    joined["ward_id"] = joined["ward_id"].fillna("").astype(str)
    joined["name"] = joined["name"].fillna("")
    summed = joined.groupby(["ward_id", "name"], as_index=False)[list(COUNTS)].sum()
    return _finish(summed.sort_values("received", ascending=False).reset_index(drop=True))


def _plan_day(record: dict) -> date:
    """The day a stored plan is for: its request's ``date`` when it has one, else the Hanoi day it was made."""
    asked = record["request"].get("date") if isinstance(record["request"], dict) else None
    if isinstance(asked, str):
        try:
            return date.fromisoformat(asked)
        except ValueError:
            pass
    return utc(record["created_at"]).astimezone(HANOI).date()


def postmen_figures(engine: Engine, when: Period) -> dict:
    """Plans of the quarter's days, their kilometres and postman-hours of driving (0 without plans), and how the
    stops of the working days' plans ended (:func:`ops.performance.of_period`).

    A day's plan is its newest (as :func:`ops.day.stored` reads it: a re-plan updates that record); a plan
    without a date (``POST /plans``) counts on the day it was made. Of the working days' plans, ``stops`` planned,
    the share ``done``, the share of the settled ones made in their window (``in_window_share``), the settled stops
    at citizens' doors (``door_stops``) and the share of them in the window the citizen was told
    (``door_in_window_share``), and the median delay against the plan (``delay_median_min``); null without any.
    """
    p = tables.plans
    with engine.connect() as conn:
        rows = conn.execute(sa.select(p.c.id, p.c.created_at, p.c.request, p.c.result)).mappings().all()
    latest: dict[tuple, dict] = {}
    for row in rows:
        day = _plan_day(dict(row))
        if not when.first <= day <= when.last:
            continue
        dated = isinstance(row["request"], dict) and "date" in row["request"]
        key = (day, "" if dated else row["id"])
        if key not in latest or utc(row["created_at"]) > utc(latest[key]["created_at"]):
            latest[key] = dict(row)
    distance = sum(r["result"].get("plan", {}).get("totals", {}).get("distance_m", 0) for r in latest.values())
    driving = sum(r["result"].get("plan", {}).get("totals", {}).get("travel_time_s", 0) for r in latest.values())
    stops = performance.of_period(Store(engine=engine), when.first, when.last)["total"]
    return {
        "plans": len(latest),
        "days": len({day for day, _ in latest}),
        "km": round(distance / 1000, 1),
        "postman_hours": round(driving / 3600, 1),
        "stops": stops["stops"],
        "done_share": stops["done_share"],
        "in_window_share": stops["in_window_share"],
        "door_stops": stops["door_settled"],
        "door_in_window_share": stops["door_in_window_share"],
        "delay_median_min": stops["delay_median_min"],
    }


DOOR_FAILURES = ("nobody_home", "refused", "address_not_found", "other")
"""Why a try at the door failed (:data:`ops.dayevents.FAILURES` of an address, but no time), each a column of
:func:`door_figures`."""


def door_figures(engine: Engine, when: Period) -> dict:
    """The results asked for at the citizen's address, at the door (see the module's docstring): ``door_returns``,
    ``first_try``, ``first_try_share`` (null without returns), ``collected_at_agency``, ``signed_at_door``,
    ``by_authorised``, ``door_failures`` and one column per reason of :data:`DOOR_FAILURES` (a failure recorded
    before reasons had codes was nobody at home)."""
    d, ev = tables.dossiers, tables.events
    tried = ev.alias("tried")
    before = sa.select(sa.func.count()).where(
        tried.c.dossier_code == ev.c.dossier_code, tried.c.seq < ev.c.seq, daytasks.door_try(tried)
    )
    at_door = ev.c.place == "address"
    asked = sa.and_(d.c.return_mode == "address", ev.c.at >= when.start, ev.c.at < when.end)
    journeys = ev.join(d, d.c.code == ev.c.dossier_code)
    # A result is handed over once: at the door, or at its agency (for collection, or to the applicant there); its
    # collection after it waited at the agency is not a second return.
    handed = ev.alias("handed")
    again = sa.exists().where(
        handed.c.dossier_code == ev.c.dossier_code, handed.c.seq < ev.c.seq, handed.c.state.in_(RESULT_HANDED)
    )
    returns = (
        sa.select(
            sa.func.count().filter(at_door),
            sa.func.count().filter(sa.and_(at_door, before.scalar_subquery() == 0)),
            sa.func.count().filter(~sa.func.coalesce(at_door, False)),
        )
        .select_from(journeys)
        .where(asked, ev.c.state.in_(RESULT_HANDED), ~again)
    )
    why = sa.func.coalesce(ev.c.reason, "nobody_home")
    failures = sa.select(why, sa.func.count()).select_from(journeys).where(asked, daytasks.door_try(ev)).group_by(why)
    p = tables.proofs
    signed = sa.select(sa.func.count(), sa.func.count().filter(p.c.signer == "authorised")).where(
        p.c.event == "delivered", p.c.at >= when.start, p.c.at < when.end
    )
    with engine.connect() as conn:
        door_returns, first_try, elsewhere = conn.execute(returns).one()
        signed_at_door, by_authorised = conn.execute(signed).one()
        failed: dict[str, int] = {reason: n for reason, n in conn.execute(failures)}
    return {
        "door_returns": door_returns,
        "first_try": first_try,
        "first_try_share": round(first_try / door_returns, 4) if door_returns else None,
        "collected_at_agency": elsewhere,
        "signed_at_door": signed_at_door,
        "by_authorised": by_authorised,
        "door_failures": sum(failed.values()),
        **{reason: failed.get(reason, 0) for reason in DOOR_FAILURES},
    }


def notice_figures(engine: Engine, when: Period) -> dict:
    """The applicants' notices of the quarter (:mod:`ops.notices`), by when a gateway took them or passed them
    over: ``sent`` (taken), of them ``by_zalo`` and ``by_sms`` (taken by a provider: :mod:`ops.gateways`), of
    these ``sms_again`` sent again of a Zalo notice no receipt confirmed (:func:`ops.notices.silent`), and of those
    a provider took, by the providers' receipts (:mod:`ops.receipts`), ``delivered`` to the phone and
    ``undelivered`` (``delivered_share`` of those a provider took, null without any); ``passed`` over (a phone the
    provider never delivers to)."""
    sn, rn = tables.sent_notices, tables.refused_notices
    counts = sa.select(
        sa.func.count(),
        sa.func.count().filter(sn.c.channel == gateways.ZALO),
        sa.func.count().filter(sn.c.channel == gateways.SMS),
        sa.func.count().filter(sn.c.channel == gateways.SMS, sn.c.ref.endswith(tables.FOLLOW_UP)),
        sa.func.count().filter(sn.c.receipt == receipts.DELIVERED),
        sa.func.count().filter(sn.c.receipt == receipts.UNDELIVERED),
    ).where(sn.c.at >= when.start, sn.c.at < when.end)
    passed = sa.select(sa.func.count()).where(rn.c.at >= when.start, rn.c.at < when.end)
    with engine.connect() as conn:
        sent, by_zalo, by_sms, sms_again, delivered, undelivered = conn.execute(counts).one()
        passed_over = conn.execute(passed).scalar_one()
    by_provider = by_zalo + by_sms
    return {
        "sent": sent,
        "by_zalo": by_zalo,
        "by_sms": by_sms,
        "sms_again": sms_again,
        "delivered": delivered,
        "undelivered": undelivered,
        "delivered_share": round(delivered / by_provider, 4) if by_provider else None,
        "passed": passed_over,
    }


LONG_WAIT_DAYS = 30
"""Days after which a result waiting at its agency is counted apart (``waiting_long``). An assumption of this
service, to show the agencies whose shelves fill up: no rule found here sets a time after which an uncollected
result goes elsewhere."""

COLLECTION = ("collected", "median_days_to_collect", "waiting", "waiting_long", "oldest_days")
"""Columns of :func:`collection_figures` after ``agency_id``."""


def collection_figures(conn: sa.Connection, when: Period) -> pd.DataFrame:
    """Results brought to their agency for the applicant to collect (``for_collection``), per agency that had one:
    ``collected`` (``returned`` at the counter) in the quarter and the median of the whole days (Hanoi dates) they
    waited, ``median_days_to_collect``; the results still ``waiting`` there at the quarter's end (today in a quarter
    not over yet), whenever they arrived, ``waiting_long`` of them for more than :data:`LONG_WAIT_DAYS` days, and
    the days the oldest has waited, ``oldest_days``. A result cancelled while it waited is in neither. Rows by
    ``agency_id``, most waiting first."""
    ev, d = tables.events, tables.dossiers
    ends = (
        sa.select(
            ev.c.dossier_code,
            sa.func.min(sa.case((ev.c.state == "for_collection", ev.c.at))).label("arrived_at"),
            sa.func.min(sa.case((ev.c.state == "returned", ev.c.at))).label("collected_at"),
            sa.func.min(sa.case((ev.c.state == "cancelled", ev.c.at))).label("cancelled_at"),
        )
        .where(ev.c.state.in_(("for_collection", "returned", "cancelled")))
        .group_by(ev.c.dossier_code)
        .subquery("ends")
    )
    arrived, collected_at, cancelled_at = ends.c.arrived_at, ends.c.collected_at, ends.c.cancelled_at
    # A result for collection leaves its agency once, collected or cancelled (ops.dossiers.MOVES).
    left_at = sa.func.coalesce(collected_at, cancelled_at)
    collected = sa.and_(collected_at >= when.start, collected_at < when.end)
    waiting = sa.or_(left_at.is_(None), left_at >= when.end)
    waited = (_HanoiDay(collected_at) - _HanoiDay(arrived)).label("waited")
    days = (_DateDay(sa.literal(when.as_of, sa.Date)) - _HanoiDay(arrived)).label("days")
    scope = (
        sa.select(d.c.agency_id, collected.label("collected"), waiting.label("waiting"), waited, days)
        .select_from(ends.join(d, d.c.code == ends.c.dossier_code))
        .where(arrived < when.end, sa.or_(left_at.is_(None), left_at >= when.start))
        .subquery("scope")
    )
    s = scope.c
    counts = sa.select(
        s.agency_id,
        sa.func.count().filter(s.collected),
        sa.func.count().filter(s.waiting),
        sa.func.count().filter(sa.and_(s.waiting, s.days > LONG_WAIT_DAYS)),
        sa.func.max(sa.case((s.waiting, s.days))),
    ).group_by(s.agency_id)
    waits = sa.select(s.agency_id, s.waited, sa.func.count()).where(s.collected).group_by(s.agency_id, s.waited)
    columns = ["agency_id", "collected", "waiting", "waiting_long", "oldest_days"]
    frame = pd.DataFrame(conn.execute(counts).all(), columns=columns)
    hist = pd.DataFrame(conn.execute(waits).all(), columns=["agency_id", "days", "n"])
    medians = {
        agency: median_of_histogram(g["days"].to_numpy(), g["n"].to_numpy()) for agency, g in hist.groupby("agency_id")
    }
    frame["median_days_to_collect"] = frame["agency_id"].map(medians).astype(float)
    frame["oldest_days"] = frame["oldest_days"].astype(float)
    frame = frame[(frame["collected"] > 0) | (frame["waiting"] > 0)]
    frame = frame.sort_values(["waiting", "collected"], ascending=False, ignore_index=True)
    return frame[["agency_id", *COLLECTION]]


def figures(
    engine: Engine,
    quarter: str,
    *,
    amap: AddressMap,
    coverage: access.Coverage | None = None,
) -> Figures:
    """The quarter's figures from the store.

    Parameters
    ----------
    engine
        The store.
    quarter
        ``2026Q1`` and so on.
    amap
        The map: wards of the applicants' homes, agency names, coverage.
    coverage
        Coverage already computed on this map (computed here when omitted).

    Returns
    -------
    Figures
        The tables of the report.
    """
    when = period(quarter)
    with engine.connect() as conn, _materialised(conn, when) as scope:
        total = _with_medians(conn, scope, _grouped(conn, scope, []), [])
        by_procedure = _with_medians(conn, scope, _grouped(conn, scope, ["procedure"]), ["procedure"])
        by_agency = _with_medians(conn, scope, _grouped(conn, scope, ["agency_id"]), ["agency_id"])
        by_authority = _with_medians(conn, scope, _grouped(conn, scope, ["authority_code"]), ["authority_code"])
        homes = _grouped(conn, scope, ["lat", "lon"])
        late_by = scope.c.days_late
        lateness = pd.DataFrame(
            conn.execute(
                sa.select(late_by.label("days_late"), sa.func.count().label("dossiers"))
                .where(scope.c.late == 1)
                .group_by(late_by)
                .order_by(late_by)
            ).all(),
            columns=["days_late", "dossiers"],
        )
        group = scope.c.priority_group
        groups = sa.select(
            group,
            sa.func.sum(scope.c.pickups_priority).label("home_pickups"),
            sa.func.sum(scope.c.returns_priority).label("home_returns"),
        )
        priority = pd.DataFrame(
            conn.execute(groups.where(group != "none").group_by(group).order_by(group)).all(),
            columns=["priority_group", "home_pickups", "home_returns"],
        )
        synthetic = bool(conn.execute(sa.select(sa.func.max(sa.cast(scope.c.synthetic, sa.Integer)))).scalar() or 0)
        collection = collection_figures(conn, when)
        au = tables.authorities
        registry = pd.DataFrame(
            conn.execute(sa.select(au.c.code, au.c.name, au.c.lat, au.c.lon)).all(),
            columns=["authority_code", "name", "lat", "lon"],
        )
    agencies = pd.DataFrame(
        {
            "agency_id": amap.agencies["agency_id"].astype(str),
            "name": amap.agencies["name"].fillna(""),
            "address": amap.agencies["address"].fillna(""),
            "lat": amap.agencies.geometry.y,
            "lon": amap.agencies.geometry.x,
        }
    )
    by_agency, collection = (agencies.merge(f, on="agency_id", how="right") for f in (by_agency, collection))
    for frame in (by_agency, collection):
        frame[["name", "address"]] = frame[["name", "address"]].fillna("")
    by_authority = registry.merge(by_authority, on="authority_code", how="right")
    by_authority["name"] = by_authority["name"].fillna("")
    by_procedure, by_agency, by_authority = (
        frame.sort_values("received", ascending=False, ignore_index=True)
        for frame in (by_procedure, by_agency, by_authority)
    )
    by_ward = _wards(homes, amap) if len(homes) else _finish(pd.DataFrame(columns=["ward_id", "name", *COUNTS]))
    codes = authorities.ward_codes(amap, authorities.communes())
    by_ward = _coded(by_ward, codes)
    priority[["home_pickups", "home_returns"]] = priority[["home_pickups", "home_returns"]].fillna(0).astype("int64")
    if coverage is None:
        coverage = access.coverage(amap)
    coverage = replace(coverage, wards=_coded(coverage.wards, codes))
    result = Figures(
        when,
        total,
        by_procedure,
        by_agency,
        by_authority,
        by_ward,
        lateness,
        priority,
        postmen_figures(engine, when),
        door_figures(engine, when),
        collection,
        coverage,
        synthetic,
        notice_figures(engine, when),
    )
    log.info(
        "report %s: %d received, %d returned", quarter, int(total["received"].iloc[0]), int(total["returned"].iloc[0])
    )
    return result
