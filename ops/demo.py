"""The demonstration store: on a first start with an empty store, a synthetic half-year of work and one account
per role, so that every page shows real work at once.

The previous quarter and the current one up to now are simulated (:mod:`ops.simulate`, seeded), ingested
(:mod:`ops.ingest`) and carried out until the start of today: the last :data:`PLANNED_DAYS` working days as the
service carries out a day, planned for the demonstration postmen and settled stop by stop (:mod:`ops.pastdays`),
the rest in bulk (:mod:`ops.journeys`). The past is done, today's shuttles and returns are waiting for the
dispatcher. Everything is marked synthetic, and the pages say so.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from tqdm import tqdm

from geo.addressmap import AddressMap
from geo.hours import HANOI
from ops import accounts, authorities, ingest, pastdays, simulate, tables
from ops.dossiers import utc
from ops.store import Store

log = logging.getLogger(__name__)

PER_QUARTER = 2500
"""Dossiers of a demonstration quarter: sized to the central map's 42 agencies (about 1 a day each) and a first
start of a few seconds, not to a province (:data:`ops.simulate.PER_QUARTER`)."""

SEED = 11
"""Seed of the demonstration data."""

ROLES = ("agency_staff", "dispatcher", "postman", "planner", "admin")
"""One demonstration account per role of people, named ``demo.<role>``."""

POSTMEN = 4
"""Postmen of the demonstration (``demo.postman``, ``demo.postman2`` ...), each at one of the busiest agencies."""

PLANNED_DAYS = 5
"""Working days before today planned for the demonstration postmen and carried out stop by stop: a week of their
work to look back on (:mod:`ops.performance`)."""

PLAN_S = 2.0
"""Time limit of each of those days' plans, s."""


@dataclass(frozen=True)
class Demo:
    """What :func:`seed` created: the quarters, the dossiers, what was carried out (:class:`ops.pastdays.Carried`)
    and the accounts (role, name, password; the passwords are shown once)."""

    quarters: tuple[str, ...]
    dossiers: int
    carried: pastdays.Carried
    accounts: list[tuple[str, str, str]]


def quarter_of(day: date) -> str:
    """The quarter of a day, ``2026Q1``."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def previous_quarter(quarter: str) -> str:
    """The quarter before ``quarter``."""
    year, q = int(quarter[:4]), int(quarter[-1])
    return f"{year - 1}Q4" if q == 1 else f"{year}Q{q - 1}"


def is_empty(engine: Engine) -> bool:
    """Whether the store holds neither dossiers nor accounts (a first start)."""
    with engine.connect() as conn:
        dossiers = conn.execute(sa.select(tables.dossiers.c.code).limit(1)).first()
        users = conn.execute(sa.select(tables.users.c.name).limit(1)).first()
    return dossiers is None and users is None


def holds_synthetic(engine: Engine) -> bool:
    """Whether any stored dossier is synthetic (the pages then say so)."""
    with engine.connect() as conn:
        return (
            conn.execute(sa.select(tables.dossiers.c.code).where(tables.dossiers.c.synthetic).limit(1)).first()
            is not None
        )


def seed(
    store: Store,
    amap: AddressMap,
    *,
    now: datetime | None = None,
    per_quarter: int = PER_QUARTER,
    progress: bool = False,
) -> Demo:
    """Fill an empty store with the demonstration data and accounts.

    Parameters
    ----------
    store
        The store (empty: see :func:`is_empty`).
    amap
        The map the dossiers are simulated on.
    now
        The present (the clock when omitted): later dossiers and decisions are left out.
    per_quarter
        Dossiers of each simulated quarter (before leaving out the future).
    progress
        Show the stages on standard error.

    Returns
    -------
    Demo
        The quarters, counts and accounts.
    """
    present = utc(now or datetime.now(UTC))
    today = present.astimezone(HANOI).date()
    current = quarter_of(today)
    quarters = (previous_quarter(current), current)
    engine = store.engine
    with tqdm(total=4, desc="demo: authorities", unit="step", disable=not progress, leave=False) as bar:
        authorities.seed(engine, amap)
        bar.update()
        bar.set_description("demo: dossiers")
        records: list[dict] = []
        for k, quarter in enumerate(quarters):
            # The previous quarter's last dossiers are decided in this one (they stayed at their authority).
            feed = simulate.simulate(amap, quarter, seed=SEED + k, count=per_quarter, until=present)
            records += [r for r in feed if _when(r) <= present]
        report = ingest.ingest(engine, enumerate(records, start=1))
        bar.update()
        bar.set_description("demo: accounts")
        made = _accounts(engine, amap)
        bar.update()
        bar.set_description("demo: the days carried out")
        carried = pastdays.carry_out(
            store,
            amap,
            datetime.combine(today, time(0), HANOI),
            planned_days=PLANNED_DAYS,
            seed=SEED,
            time_limit_s=PLAN_S,
            progress=progress,
        )
        bar.update()
    log.info("demo store: %d dossiers of %s, %d moves", report.created, " and ".join(quarters), carried.moves)
    dossiers = sum(1 for r in records if r["type"] == "dossier")
    return Demo(quarters, dossiers, carried, made)


def _when(record: dict) -> datetime:
    return utc(datetime.fromisoformat(record["received_at"] if record["type"] == "dossier" else record["at"]))


def _accounts(engine: Engine, amap: AddressMap) -> list[tuple[str, str, str]]:
    """One account per role with a random password and a synthetic full name, and :data:`POSTMEN` postmen: the
    agency staff work at the agency with most dossiers, the postmen start from the busiest agencies (their depots
    for the day's plan)."""
    d = tables.dossiers
    busiest = sa.select(d.c.agency_id).group_by(d.c.agency_id).order_by(sa.func.count().desc(), d.c.agency_id)
    with engine.connect() as conn:
        agencies = list(conn.scalars(busiest.limit(POSTMEN))) or [str(amap.agencies["agency_id"].iloc[0])]
    people = [(role, f"demo.{role}", agencies[0] if role in ("agency_staff", "postman") else None) for role in ROLES]
    people += [("postman", f"demo.postman{k + 1}", a) for k, a in enumerate(agencies[1:], start=1)]
    full_names = simulate.person_names(np.random.default_rng(SEED), len(people))
    made = []
    for (role, name, agency), full_name in zip(people, full_names, strict=True):
        password = secrets.token_urlsafe(12)
        accounts.add_user(engine, name, password, role, agency_id=agency, full_name=full_name)
        made.append((role, name, password))
    return made
