"""Notices to applicants, by SMS, drawn from the feed of changes (:mod:`ops.changes`): a result waiting at its
agency for the applicant to collect, and a result on its way to the applicant's door, as delivery services tell
the recipient (Onfleet's notifications, the carriers' "out for delivery").

They go out as the feed is pushed (:func:`ops.push.push`, shaped by the service's words: :mod:`api.notify`), a
batch of notices for each page of changes, so that each notice is sent at least once and none is skipped: the
receiver, the postal operator's SMS gateway, keeps a notice once by its ``ref``. The applicant's phone is personal
data: each notice's read is written to the access log.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ops import daytasks, tables

KINDS = {"for_collection": "for_collection", "returning": "out_for_delivery"}
"""What an applicant is told, by the move that tells it: the result is at its agency to collect, or on its way to
the applicant's address with the postman (a result returned to the address, not given up at the door: then it goes
to its agency, and the applicant is told once it is there)."""

READER = ("notices", "system")
"""Who reads the applicants' phones for the notices, as the access log says it (name, role)."""

_FIRST_PHONE = re.compile(r"\+?[0-9][0-9 .-]{7,19}")


def of_changes(engine: Engine, changes: list[dict]) -> list[dict]:
    """The notices a page of the feed of changes asks for, in its order.

    Parameters
    ----------
    engine
        The store.
    changes
        Changes of the feed (:func:`ops.changes.after`): ``code``, ``seq``, ``state``.

    Returns
    -------
    list of dict
        ``{"ref", "kind", "code", "phone", "agency_id", "synthetic"}``: ``ref`` the change's dossier and move,
        ``<code>:<seq>``, the same when a page is sent again; ``phone`` the applicant's first number, digits and a
        leading +.
    """
    asked = [c for c in changes if c["state"] in KINDS]
    if not asked:
        return []
    codes = {c["code"] for c in asked}
    d, ev = tables.dossiers, tables.events
    query = sa.select(d.c.code, d.c.applicant_phone, d.c.agency_id, d.c.return_mode, d.c.synthetic)
    failed = (
        sa.select(ev.c.dossier_code, ev.c.seq, ev.c.reason, daytasks.door_try(ev).label("at_door"))
        .where(ev.c.dossier_code.in_(codes), ev.c.state == "failed_return")
        .order_by(ev.c.seq)
    )
    with engine.connect() as conn:
        rows = {r.code: r for r in conn.execute(query.where(d.c.code.in_(codes)))}
        tries = conn.execute(failed).all()
    out = []
    for change in asked:
        row = rows[change["code"]]
        if change["state"] == "returning" and (
            row.return_mode != "address" or _given_up([t for t in tries if t.dossier_code == row.code], change["seq"])
        ):
            continue  # on its way to its agency: the applicant is told once it is there
        found = _FIRST_PHONE.search(row.applicant_phone)
        if found is None:
            continue
        out.append(
            {
                "ref": f"{change['code']}:{change['seq']}",
                "kind": KINDS[change["state"]],
                "code": change["code"],
                "phone": re.sub(r"[^0-9+]", "", found.group()),
                "agency_id": row.agency_id,
                "synthetic": row.synthetic,
            }
        )
    if out:
        _logged(engine, [n["code"] for n in out])
    return out


def _given_up(failures: list[sa.Row], seq: int) -> bool:
    """Whether a result, its failed returns ``failures`` (oldest first), goes to its agency at its move ``seq``
    instead of the door (:func:`ops.daytasks.door_given_up`)."""
    before = [f for f in failures if f.seq < seq]
    return bool(before) and daytasks.door_given_up(sum(bool(f.at_door) for f in before), before[-1].reason)


def _logged(engine: Engine, codes: list[str]) -> None:
    """Write the reads of the applicants' phones to the access log, one row per notice."""
    at = datetime.now(UTC)
    who, role = READER
    rows = [{"at": at, "who": who, "role": role, "dossier_code": c, "what": "SMS notice"} for c in codes]
    with engine.begin() as conn:
        conn.execute(tables.access_log.insert(), rows)
