"""Idempotent ingest of the portal's feed: dossiers and status changes, one JSON record a line.

A feed is read in batches, each written in one transaction: a crash loses at most the batch being written, and
reading the feed again completes it. A dossier already stored with the same content is left unchanged, with
other content it is updated (its journey is kept); a status change is kept once per dossier, event and time.
A bad line is rejected with its number and the reason, and the good ones are kept.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from sqlalchemy.engine import Connection, Engine
from tqdm import tqdm

from geo._errors import InputError
from ops import dossiers, tables
from ops.dossiers import Dossier, Event
from ops.errors import ConflictError, IdempotencyError, TransitionError

log = logging.getLogger(__name__)

BATCH = 2000
"""Records written per transaction (what a crash may lose and a re-run redoes)."""

PORTAL = "portal"
"""The ``who`` of moves sent by the portal."""


class PortalEvent(BaseModel):
    """A status change sent by the portal."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["event"]
    code: str
    event: Literal["decided", "cancelled"]
    at: datetime
    synthetic: bool = False


@dataclass
class Report:
    """What an ingest did: lines read, dossiers and status changes created, updated or unchanged, rejects."""

    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        """``{"read", "created", "updated", "unchanged", "rejected": [{"line", "reason", "problems"}]}``."""
        return {
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


def _rejected(line: int, problems: list[dict]) -> dict:
    """A record not kept: its number, ``reason`` (each problem ``field: text``, in English) and ``problems``."""
    reason = "; ".join(f"{p['field']}: {p['text']}" for p in problems)
    return {"line": line, "reason": reason, "problems": problems}


def _problem(field: str, code: str, text: str, values: Mapping[str, object]) -> dict:
    """One reason a record is not kept: the field at fault, the message code (a key of the API's catalogues, or
    pydantic's error type), its English text and the values it names (plain JSON values)."""
    plain = {k: v if isinstance(v, str | int | float | bool) else str(v) for k, v in values.items()}
    return {"field": field, "code": code, "text": text, "values": plain}


def _problems(exc: ValidationError) -> list[dict]:
    """A problem per error of ``exc``, the union's tag (``dossier``, ``event``) left out of the field."""
    out = []
    for e in exc.errors(include_url=False):
        loc = e["loc"][1:] if e["loc"] and e["loc"][0] in ("dossier", "event") else e["loc"]
        out.append(_problem(".".join(str(p) for p in loc) or "record", e["type"], e["msg"], e.get("ctx", {})))
    return out


class DossierLine(Dossier):
    """A dossier record of the feed."""

    type: Literal["dossier"]


LINE: TypeAdapter[DossierLine | PortalEvent] = TypeAdapter(
    Annotated[DossierLine | PortalEvent, Field(discriminator="type")]
)
"""A record of the feed: a dossier or a status change, told apart by ``type``."""


def _parse(line: int, record: object, report: Report) -> Dossier | PortalEvent | None:
    """The record (raw JSON bytes, or parsed) as a dossier or a status change, or ``None`` after rejecting it."""
    try:
        if isinstance(record, bytes | str):
            return LINE.validate_json(record)
        return LINE.validate_python(record)
    except ValidationError as exc:
        report.rejected.append(_rejected(line, _problems(exc)))
        return None


def ingest(engine: Engine, records: Iterable[tuple[int, object]], *, batch: int = BATCH) -> Report:
    """Store numbered records (line number, parsed JSON) batch by batch.

    Parameters
    ----------
    engine
        The store.
    records
        ``(line, record)`` pairs; a record is the raw JSON text of a line or an already parsed value.
    batch
        Records per transaction.

    Returns
    -------
    Report
        The counts and the rejected lines.
    """
    report = Report()
    chunk: list[tuple[int, Dossier | PortalEvent]] = []
    for line, record in records:
        report.read += 1
        parsed = _parse(line, record, report)
        if parsed is not None:
            chunk.append((line, parsed))
        if len(chunk) >= batch:
            _write(engine, chunk, report)
            chunk = []
    if chunk:
        _write(engine, chunk, report)
    report.rejected.sort(key=lambda r: r["line"])  # a batch's status changes are written after its dossiers
    return report


def read_lines(path: Path, *, progress: bool = False) -> Iterator[tuple[int, bytes]]:
    """Numbered lines of a JSON Lines file, as bytes (blank lines skipped)."""
    if not path.is_file():
        raise InputError(f"no such feed file: {path}")
    with (
        path.open("rb") as fh,
        tqdm(
            total=path.stat().st_size, unit="B", unit_scale=True, disable=None if progress else True, desc="ingest"
        ) as bar,
    ):
        for number, raw in enumerate(fh, start=1):
            bar.update(len(raw))
            if raw.strip():
                yield number, raw


def ingest_file(engine: Engine, path: Path, *, progress: bool = False) -> Report:
    """Ingest a JSON Lines feed file (see :func:`ingest`); ``progress`` shows a bar on standard error."""
    report = ingest(engine, read_lines(path, progress=progress))
    log.info("ingest %s: %s", path, {k: v for k, v in report.to_dict().items() if k != "rejected"})
    return report


def _write(engine: Engine, chunk: list[tuple[int, Dossier | PortalEvent]], report: Report) -> None:
    """Write one batch in one transaction; a concurrent move on one of its dossiers makes it start again."""
    for attempt in range(3):
        partial = Report()
        try:
            with engine.begin() as conn:
                _write_batch(conn, chunk, partial)
        except ConflictError:
            log.info("batch of %d records met a concurrent move; attempt %d", len(chunk), attempt + 2)
            continue
        report.created += partial.created
        report.updated += partial.updated
        report.unchanged += partial.unchanged
        report.rejected.extend(partial.rejected)
        return
    raise ConflictError(
        f"a batch of {len(chunk)} records kept meeting concurrent moves; run the ingest again",
        code="batch_contended",
        records=len(chunk),
    )


def _write_batch(conn: Connection, chunk: list[tuple[int, Dossier | PortalEvent]], report: Report) -> None:
    d = tables.dossiers
    files = [(line, r) for line, r in chunk if isinstance(r, Dossier)]
    codes = {r.code for _, r in files}
    stored = dict(conn.execute(sa.select(d.c.code, d.c.content_hash).where(d.c.code.in_(codes))).all()) if codes else {}
    now = datetime.now(UTC)
    new: dict[str, dict] = {}
    changed: dict[str, dict] = {}
    for _, record in files:
        row = record.row()
        known = new.get(record.code) or changed.get(record.code)
        previous = known["content_hash"] if known else stored.get(record.code)
        if previous == row["content_hash"]:
            report.unchanged += 1
        elif previous is None:
            new[record.code] = row
            report.created += 1
        else:
            target = new if record.code in new else changed
            target[record.code] = row
            report.updated += 1
    if new:
        _insert_new(conn, list(new.values()), now)
    for row in changed.values():
        conn.execute(d.update().where(d.c.code == row["code"]).values(**row, updated_at=now))
    happenings = [(line, r) for line, r in chunk if isinstance(r, PortalEvent)]
    if happenings:
        _portal_events(conn, happenings, report)


def _insert_new(conn: Connection, rows: list[dict], now: datetime) -> None:
    """New dossiers and their first events; an online dossier is at its authority as soon as it is received
    (it skips the shuttle)."""
    events = []
    for row in rows:
        online = row["channel"] == "online"
        row.update(state="at_authority" if online else "received", seq=2 if online else 1, updated_at=now)
        events.append(_event_row(row["code"], Event(1, "received", row["received_at"], PORTAL, row["agency_id"], None)))
        if online:
            events.append(
                _event_row(
                    row["code"], Event(2, "at_authority", row["received_at"], PORTAL, row["authority_code"], None)
                )
            )
    _bulk_insert(conn, tables.dossiers, rows)
    _bulk_insert(conn, tables.events, events)


def _bulk_insert(conn: Connection, table: sa.Table, rows: list[dict]) -> None:
    """Insert many rows with one statement compiled once.

    Written out because SQLAlchemy's executemany spends about 40% of a new-dossier ingest building each row's
    parameters; here the columns' own bind processors are applied to each value and the driver gets the rows.
    """
    keys = list(rows[0])
    compiled = table.insert().compile(dialect=conn.dialect, column_keys=keys)
    order = list(compiled.positiontup) if compiled.positional and compiled.positiontup else keys
    steps = [(k, table.c[k].type._cached_bind_processor(conn.dialect)) for k in order]
    values = [[p(row[k]) if p else row[k] for k, p in steps] for row in rows]
    params: list = (
        [tuple(v) for v in values] if compiled.positional else [dict(zip(order, v, strict=True)) for v in values]
    )
    conn.exec_driver_sql(str(compiled), params)


def _event_row(code: str, event: Event) -> dict:
    return {
        "dossier_code": code,
        "seq": event.seq,
        "state": event.state,
        "at": event.at,
        "who": event.who,
        "place": event.place,
        "record_no": event.record_no,
        "reason": event.reason,
    }


def _portal_events(conn: Connection, happenings: list[tuple[int, PortalEvent]], report: Report) -> None:
    """Keep each status change once; apply it when the dossier's state allows, keep a decision for later
    when the dossier has not reached its authority yet. The batch's changes are written with one statement
    per table; the unique event number per dossier turns a concurrent move into a :class:`ConflictError`."""
    d, pe = tables.dossiers, tables.portal_events
    codes = {e.code for _, e in happenings}
    query = sa.select(d.c.code, d.c.state, d.c.seq, d.c.channel).where(d.c.code.in_(codes))
    states = {r.code: [r.state, r.seq, r.channel] for r in conn.execute(query)}
    first_seq = {code: s[1] for code, s in states.items()}
    seen = {
        (r.dossier_code, r.event, dossiers.utc(r.at))
        for r in conn.execute(sa.select(pe.c.dossier_code, pe.c.event, pe.c.at).where(pe.c.dossier_code.in_(codes)))
    }
    kept, moves = [], []
    for line, happening in happenings:
        at = dossiers.utc(happening.at)
        key = (happening.code, happening.event, at)
        if happening.code not in states:
            unknown = _problem(
                "code", "dossier_not_found", f"unknown dossier {happening.code!r}", {"dossier": happening.code}
            )
            report.rejected.append(_rejected(line, [unknown]))
            continue
        if key in seen:
            report.unchanged += 1
            continue
        state, seq, channel = states[happening.code]
        waits = happening.event == "decided" and state in ("received", "digitised", "to_authority")
        if not waits:
            try:
                dossiers.check_move(happening.code, state, happening.event, channel=channel)
            except TransitionError as exc:
                refused = _problem("event", exc.code or "transition_refused", str(exc), exc.fields)
                report.rejected.append(_rejected(line, [refused]))
                continue
            moves.append(_event_row(happening.code, Event(seq + 1, happening.event, at, PORTAL, None, None)))
            states[happening.code][:2] = [happening.event, seq + 1]
        kept.append({"dossier_code": happening.code, "event": happening.event, "at": at, "applied": not waits})
        seen.add(key)
        report.created += 1
    if moves:
        moved = {m["dossier_code"] for m in moves}
        now = datetime.now(UTC)
        rows = [{"c": c, "old": first_seq[c], "state": states[c][0], "seq": states[c][1], "now": now} for c in moved]
        update = (
            d.update()
            .where(d.c.code == sa.bindparam("c"), d.c.seq == sa.bindparam("old"))
            .values(state=sa.bindparam("state"), seq=sa.bindparam("seq"), updated_at=sa.bindparam("now"))
        )
        done = conn.execute(update, rows)
        if conn.dialect.supports_sane_multi_rowcount and done.rowcount != len(rows):
            raise ConflictError("a dossier of the batch moved while it was ingested", code="batch_moved")
        try:
            _bulk_insert(conn, tables.events, moves)
        except sa.exc.IntegrityError as exc:
            raise ConflictError("a dossier of the batch moved while it was ingested", code="batch_moved") from exc
    if kept:
        _bulk_insert(conn, pe, kept)


def submit(engine: Engine, records: list, key: str | None) -> dict:
    """Ingest records posted by the portal (``POST /dossiers``), at most once per ``Idempotency-Key``.

    Parameters
    ----------
    engine
        The store.
    records
        The posted JSON array; record ``i`` is reported as line ``i + 1``.
    key
        The request's ``Idempotency-Key``, or ``None``.

    Returns
    -------
    dict
        The report of :func:`ingest`; for a key seen before with the same body, the first answer again.

    Raises
    ------
    IdempotencyError
        The key was used before with another body.
    """
    digest = dossiers.content_hash({"records": records})
    ik = tables.idempotency
    if key is not None:
        with engine.connect() as conn:
            seen = conn.execute(sa.select(ik.c.request_hash, ik.c.response).where(ik.c.key == key)).first()
        if seen is not None:
            if seen.request_hash != digest:
                raise IdempotencyError(
                    f"Idempotency-Key {key!r} was used with another body; use a new key",
                    code="idempotency_key_reused",
                    key=key,
                )
            return dict(seen.response)
    answer = ingest(engine, enumerate(records, start=1)).to_dict()
    if key is not None:
        try:
            with engine.begin() as conn:
                conn.execute(
                    ik.insert().values(
                        key=key, request_hash=digest, status_code=200, response=answer, created_at=datetime.now(UTC)
                    )
                )
        except sa.exc.IntegrityError:
            # The same key arrived twice at once: the first answer stored is the answer.
            return submit(engine, records, key)
    return answer
