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

from ops import tables

KINDS = ("for_collection", "out_for_delivery")
"""What an applicant is told: the result is at its agency to collect (a move to ``for_collection``), or on its way
to the applicant's address (``returning``, a result returned to the address)."""

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
    asked = [c for c in changes if c["state"] in ("for_collection", "returning")]
    if not asked:
        return []
    d = tables.dossiers
    query = sa.select(d.c.code, d.c.applicant_phone, d.c.agency_id, d.c.return_mode, d.c.synthetic).where(
        d.c.code.in_({c["code"] for c in asked})
    )
    with engine.connect() as conn:
        rows = {r.code: r for r in conn.execute(query)}
    out = []
    for change in asked:
        row = rows[change["code"]]
        if change["state"] == "returning" and row.return_mode != "address":
            continue  # on its way to its agency: the applicant is told once it is there
        found = _FIRST_PHONE.search(row.applicant_phone)
        if found is None:
            continue
        out.append(
            {
                "ref": f"{change['code']}:{change['seq']}",
                "kind": "for_collection" if change["state"] == "for_collection" else "out_for_delivery",
                "code": change["code"],
                "phone": re.sub(r"[^0-9+]", "", found.group()),
                "agency_id": row.agency_id,
                "synthetic": row.synthetic,
            }
        )
    if out:
        _logged(engine, [n["code"] for n in out])
    return out


def _logged(engine: Engine, codes: list[str]) -> None:
    """Write the reads of the applicants' phones to the access log, one row per notice."""
    at = datetime.now(UTC)
    who, role = READER
    rows = [{"at": at, "who": who, "role": role, "dossier_code": c, "what": "SMS notice"} for c in codes]
    with engine.begin() as conn:
        conn.execute(tables.access_log.insert(), rows)
