"""The demonstration store of a first start: a synthetic quarter and a half up to now, one account per role."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from geo.addressmap import AddressMap
from geo.hours import HANOI
from ops import accounts, database, demo, dossiers, tables


def test_an_empty_store_gets_the_past_done_and_today_waiting(tmp_path: Path, hanoi: AddressMap) -> None:
    engine = database.connect(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    assert demo.is_empty(engine) and not demo.holds_synthetic(engine)
    now = datetime(2026, 3, 10, 15, 30, tzinfo=HANOI)
    made = demo.seed(engine, hanoi, now=now, per_quarter=300)
    assert made.quarters == ("2025Q4", "2026Q1")
    assert not demo.is_empty(engine) and demo.holds_synthetic(engine)
    d, ev = tables.dossiers, tables.events
    with engine.connect() as conn:
        latest = conn.execute(sa.select(sa.func.max(d.c.received_at), sa.func.count(), sa.func.min(d.c.synthetic)))
        last_received, count, all_synthetic = latest.one()
        morning = datetime(2026, 3, 10, tzinfo=HANOI)
        moved_today = conn.scalar(sa.select(sa.func.count()).where(ev.c.who == "synthetic", ev.c.at >= morning))
    assert count == made.dossiers and 300 < count < 600 and all_synthetic
    assert dossiers.utc(last_received) <= now and moved_today == 0
    states = dossiers.summary(engine)["by_state"]
    assert states["returned"] > 200 and states.get("decided", 0) + states.get("digitised", 0) > 0
    # The previous quarter is over: its last dossiers, due in this one, were decided here and brought back (they
    # stayed at their authority for good, 7% of the quarter: the feed of a quarter ends with it).
    with engine.connect() as conn:
        left = conn.execute(
            sa.select(d.c.state, sa.func.count()).where(d.c.code.startswith("2025Q4")).group_by(d.c.state)
        ).all()
    assert {state for state, _ in left} <= {"returned", "cancelled"}, left
    for role, name, password in made.accounts:
        who = accounts.authenticate(engine, name, password)
        assert who is not None and who.role == role
        # A full name to say on the pages (the routes were headed "demo.postman2"): family, middle and given name.
        full_name = accounts.full_name(engine, name)
        assert full_name is not None and len(full_name.split()) == 3, full_name
    roles = [role for role, _, _ in made.accounts]
    assert set(roles) == set(demo.ROLES) and roles.count("postman") == demo.POSTMEN
    with engine.connect() as conn:
        depots = conn.scalars(sa.select(tables.users.c.agency_id).where(tables.users.c.role == "postman")).all()
    assert len(set(depots)) == demo.POSTMEN and set(depots) <= set(hanoi.agencies["agency_id"].astype(str))
    engine.dispose()


def test_quarters() -> None:
    assert demo.quarter_of(datetime(2026, 12, 1).date()) == "2026Q4"
    assert demo.previous_quarter("2026Q1") == "2025Q4" and demo.previous_quarter("2026Q3") == "2026Q2"
