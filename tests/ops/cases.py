"""Small hand-written dossiers for the store tests (the quarter simulator makes the large feeds)."""

from __future__ import annotations

from typing import Any

HANOI_MORNING = "2026-02-03T09:15:00+07:00"


def dossier(code: str, **changes: Any) -> dict:
    """A feed record of a (synthetic) dossier received at a Hoàn Kiếm agency, with ``changes`` applied."""
    record = {
        "type": "dossier",
        "code": code,
        "procedure": "social_insurance",
        "received_at": HANOI_MORNING,
        "agency_id": "osm:node/1",
        "authority_code": "00070",
        "channel": "counter",
        "return_mode": "address",
        "due_date": "2026-02-10",
        "insured_value": 500_000,
        "applicant": {
            "name": "Nguyễn Văn An (tổng hợp)",
            "phone": "0912345678",
            "address": "12 Hàng Bạc, Hoàn Kiếm",
            "lat": 21.0340,
            "lon": 105.8520,
            "priority_group": "meritorious",
        },
        "synthetic": True,
    }
    record.update(changes)
    return record


def event(code: str, what: str, at: str = "2026-02-05T10:00:00+07:00") -> dict:
    """A status change sent by the portal."""
    return {"type": "event", "code": code, "event": what, "at": at}
