"""Where the postmen's stop events are kept: each once, under its key (plan, task, event) in the store's table of
idempotency keys, with the answer it got (:func:`ops.dayevents.record` writes them). Read here by the day as it
goes and by the registry of handover records (:mod:`ops.records`), which the day's plan writes before any event."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ops import tables


def event_key(plan_id: str, task: str, event: str) -> str:
    """The key an event is kept under in the store's table of idempotency keys."""
    return f"day:{plan_id}:{task}:{event}"


def recorded(engine: Engine, plan_id: str) -> dict[str, dict[str, dict]]:
    """The events of a plan: task -> event -> the answer it got."""
    k = tables.idempotency
    prefix = f"day:{plan_id}:"
    with engine.connect() as conn:
        rows = conn.execute(sa.select(k.c.key, k.c.response).where(k.c.key.startswith(prefix, autoescape=True)))
        out: dict[str, dict[str, dict]] = {}
        for key, response in rows:
            task, _, event = key.removeprefix(prefix).rpartition(":")
            out.setdefault(task, {})[event] = response
    return out
