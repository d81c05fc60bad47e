"""A home pickup digitised at the door reads as in the postman's bag until it changes hands at a post office
(``digitised -> digitised`` there, :func:`ops.dossiers.transfer`). Before, the handover at its agency recorded no
event, and such a dossier was taken to be at its agency: each one whose last event is still the door's gets the
event its handover would now record, at its agency, so that it is not asked for as still carried.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WHO = "migration-0006"
"""The ``who`` of the events written here, so that the downgrade finds them."""

_dossiers = sa.table(
    "dossiers", sa.column("code"), sa.column("agency_id"), sa.column("channel"), sa.column("state"), sa.column("seq")
)
_events = sa.table(
    "dossier_events",
    sa.column("dossier_code"),
    sa.column("seq"),
    sa.column("state"),
    sa.column("at"),
    sa.column("who"),
    sa.column("place"),
    sa.column("record_no"),
)


def upgrade() -> None:
    d, e = _dossiers, _events
    conn = op.get_bind()
    last = (e.c.dossier_code == d.c.code) & (e.c.seq == d.c.seq)
    at_door = sa.select(d.c.code, d.c.agency_id, d.c.seq, e.c.at).join(e, last)
    at_door = at_door.where(d.c.channel == "home_pickup", d.c.state == "digitised", e.c.place == "address")
    for code, agency, seq, at in conn.execute(at_door).all():
        event = {"seq": seq + 1, "state": "digitised", "at": at, "who": WHO, "place": agency, "record_no": None}
        conn.execute(e.insert().values(dossier_code=code, **event))
        conn.execute(d.update().where(d.c.code == code).values(seq=seq + 1))


def downgrade() -> None:
    d, e = _dossiers, _events
    conn = op.get_bind()
    # Only where it is still the last event: one with a journey after it keeps it.
    last = (d.c.code == e.c.dossier_code) & (d.c.seq == e.c.seq)
    written = sa.select(e.c.dossier_code, e.c.seq).join(d, last).where(e.c.who == WHO)
    for code, seq in conn.execute(written).all():
        conn.execute(e.delete().where(e.c.dossier_code == code, e.c.seq == seq))
        conn.execute(d.update().where(d.c.code == code, d.c.seq == seq).values(seq=seq - 1))
