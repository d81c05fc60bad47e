"""A small store for the day's tests: authorities seeded from the map, postmen accounts at two post offices of
central Hanoi, and dossiers in chosen states (synthetic, built on :func:`tests.ops.cases.dossier`)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.engine import Engine

from geo.addressmap import AddressMap
from geo.hours import HANOI
from ops import accounts, authorities, dayevents, dossiers, ingest, proofs
from ops.accounts import Principal
from ops.store import Store
from tests.ops.cases import dossier

DAY = date(2026, 2, 4)
"""The planned date (a Wednesday); the dossiers were received the day before."""

LUONG_VAN_CAN = "osm:node/4406493092"
"""Bưu điện Lương Văn Can: depot of the postmen and the agency of most dossiers."""

TRANG_TIEN = "osm:node/4571873590"
"""Bưu điện Tràng Tiền."""

BHXH, HOAN_KIEM = "01.BHXH", "00070"
"""City social insurance and the Hoàn Kiếm ward committee (both on the map)."""

PASSWORD = "mật-khẩu-bưu-tá"
SIGNED = proofs.synthetic(random.Random(4))
"""A made-up signature of the applicant at the door (:mod:`ops.proofs`)."""
DECIDED = ("digitised", "to_authority", "at_authority", "decided")


def add(engine: Engine, code: str, *, states: tuple[str, ...] = (), **changes: Any) -> None:
    """Ingest one dossier (received at Lương Văn Can for social insurance, due 2026-02-10) and move it."""
    fields = {"agency_id": LUONG_VAN_CAN, "authority_code": BHXH, "return_mode": "agency"} | changes
    ingest.ingest(engine, [(1, dossier(code, **fields))])
    for state in states:
        record = "BB-1" if state in dossiers.HANDOVERS else None
        dossiers.move(engine, code, state, who="test", record_no=record, at=datetime(2026, 2, 3, 4, tzinfo=UTC))


POSTMAN_NAME = "Lê Văn Bình"
"""The full name of the day's postman, account ``binh``."""

POSTMAN = Principal("binh", "postman", LUONG_VAN_CAN)
"""The day's postman, as he records the events of his route."""


def seed(engine: Engine, amap: AddressMap) -> None:
    """Authorities, one postman at Lương Văn Can, and the dossiers of :data:`DAY`."""
    authorities.seed(engine, amap)
    accounts.add_user(engine, "binh", PASSWORD, "postman", agency_id=LUONG_VAN_CAN, full_name=POSTMAN_NAME)
    for k in range(3):  # one shuttle Lương Văn Can -> BHXH with three dossiers
        add(engine, f"S-{k}", states=("digitised",) if k == 0 else ())
    add(engine, "S-HK", authority_code=HOAN_KIEM)  # another authority: another shuttle
    add(engine, "ONLINE", channel="online")  # online: no shuttle
    add(engine, "LATE", due_date="2026-02-02")  # overdue: mandatory
    add(engine, "HOME", states=DECIDED, return_mode="address")  # a result brought to the citizen's door
    add(engine, "BACK", states=DECIDED)  # a result brought back to the agency
    add(engine, "PICKUP", channel="home_pickup", received_at="2026-02-04T10:00:00+07:00")
    add(engine, "NOWHERE", agency_id="osm:node/1")  # an agency that is not on the map


def evening_at_the_door(store: Store, code: str, kind: str) -> date:
    """Write a plan of today (Hanoi) holding one stop at the door of ``code``, a ``kind`` (pickup or delivery) at
    23:40 in the day's hours, as the planner would write it: the real planner, on whatever day the tests run, could
    find the offices closed. Returns today."""
    today = datetime.now(HANOI).date()
    stop = {
        "seq": 1,
        "kind": kind,
        "task": "T0001",
        "place": f"address:{code}",
        "name": "",
        "arrival": "23:40",
        "departure": "23:42",
        "window": "00:00-23:59",
        "lat": 21.034,
        "lon": 105.852,
        "dossiers": [code],
    }
    store.add("plan", {"date": today.isoformat()}, {}, {"day": {"routes": [{"postman": "binh", "stops": [stop]}]}})
    return today


RESULTS_AT = datetime(2026, 2, 5, 3, tzinfo=UTC)
"""When :func:`results_move` moves the results: 10:00 in Hanoi the day after :data:`DAY`."""


def results_move(engine: Engine) -> None:
    """BACK's result brought to its agency for collection; HOME's taken by the postman to the citizen's door."""
    dossiers.move(engine, "BACK", "returning", who="binh", at=RESULTS_AT)
    dossiers.move(engine, "BACK", "for_collection", who="binh", record_no="BBGN-20260205-0001", at=RESULTS_AT)
    dossiers.move(engine, "HOME", "returning", who="binh", at=RESULTS_AT)


def route_to(answer: dict, code: str) -> tuple[dict, list[dict]]:
    """The door stop of ``code`` and the task stops of its route before it."""
    for route in answer["routes"]:
        stops = [s for s in route["stops"] if s["task"]]
        for k, stop in enumerate(stops):
            if stop["place"] == f"address:{code}":
                return stop, stops[:k]
    raise AssertionError(code)


def settle(store: Store, stop: dict, at: datetime) -> None:
    """Settle ``stop`` at ``at``: its pickup picked up (signed at a door), its delivery handed over or delivered."""
    at_door = stop["place"].startswith("address:")
    if stop["kind"] == "pickup":
        given = {"event": "picked_up", "proof": SIGNED if at_door else None}
    else:
        given = {"event": "delivered", "proof": SIGNED} if at_door else {"event": "handed_over", "record_no": "BB"}
    dayevents.record(store, DAY, task=stop["task"], who=POSTMAN, at=at, **given)
