"""Accounts and roles: people sign in with a name and a password (argon2id hashes), systems use API tokens.

Applicants' personal data only reaches the roles that need it: the staff of the agency that received the
dossier, and postmen while a dossier is in their hands (on its way to the authority or back to the citizen, or
taken at the applicant's home and not yet handed over at a post office).
Every read of personal data is written to the access log (who, when, which dossier).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine

from geo._errors import InputError
from ops import tables
from ops.errors import UnknownError

log = logging.getLogger(__name__)

ROLES = ("agency_staff", "dispatcher", "postman", "planner", "admin", "portal")
"""Roles of people (the first five) and of systems (``portal``, API tokens only)."""

PEOPLE_ROLES = ROLES[:-1]

CARRYING = ("to_authority", "returning")
"""States in which a postman carries the dossier and needs the applicant's address and phone."""

_hasher = PasswordHasher()
"""argon2id with the library's defaults (RFC 9106 low-memory profile)."""

NAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
"""An account's name."""
_SHIFT = re.compile(r"((?:[01]\d|2[0-3]):[0-5]\d)\s*-\s*((?:[01]\d|2[0-3]):[0-5]\d)")


@dataclass(frozen=True)
class Principal:
    """Who makes a request: a signed-in person or an API token."""

    name: str
    role: str
    agency_id: str | None = None


def add_user(
    engine: Engine,
    name: str,
    password: str,
    role: str,
    *,
    agency_id: str | None = None,
    full_name: str | None = None,
) -> Principal:
    """Create an account; ``full_name`` ("Nguyễn Văn An") is what the pages say of the person, the login ``name``
    when it is not given.

    Raises
    ------
    InputError
        A malformed name, a short password, an unknown role, agency staff without an agency, a full name empty or
        longer than 200 characters, or a name taken.
    """
    if not NAME.match(name):
        raise InputError(f"user name {name!r}: 2-64 letters, digits or _ . @ -")
    if full_name is not None:
        full_name = _full_name(full_name)
    if role not in PEOPLE_ROLES:
        raise InputError(f"unknown role {role!r} (one of {', '.join(PEOPLE_ROLES)})")
    if len(password) < 10:
        raise InputError("a password needs at least 10 characters")
    if role == "agency_staff" and not agency_id:
        raise InputError("agency_staff accounts belong to an agency: give its agency_id")
    row = {
        "name": name,
        "password_hash": _hasher.hash(password),
        "role": role,
        "agency_id": agency_id,
        "created_at": datetime.now(UTC),
        "full_name": full_name,
    }
    try:
        with engine.begin() as conn:
            conn.execute(tables.users.insert().values(**row))
    except sa.exc.IntegrityError:
        raise InputError(f"user {name!r} exists already") from None
    log.info("user %s added with role %s", name, role)
    return Principal(name, role, agency_id)


def _full_name(text: str) -> str:
    """A full name with its spaces tidied; 1-200 characters."""
    tidy = " ".join(text.split())
    if not 1 <= len(tidy) <= 200:
        raise InputError("a full name needs 1-200 characters")
    return tidy


def set_full_name(engine: Engine, name: str, full_name: str) -> str:
    """Give account ``name`` the full name the pages say (an account made before full names were kept has none);
    returns the name as stored.

    Raises
    ------
    InputError
        A full name empty or longer than 200 characters, or no such account.
    """
    tidy = _full_name(full_name)
    users = tables.users
    with engine.begin() as conn:
        changed = conn.execute(users.update().where(users.c.name == name).values(full_name=tidy)).rowcount
    if not changed:
        raise InputError(f"no user {name!r}")
    log.info("user %s: full name set", name)
    return tidy


def set_shift(engine: Engine, name: str, shift: str | None) -> str | None:
    """Give postman ``name`` his usual shift, ``HH:MM-HH:MM`` (a morning postman's ``07:30-12:00``), which a day
    is planned with unless the dispatcher sends another; ``None`` gives back the default. Returns the shift as
    stored.

    Raises
    ------
    InputError
        A shift not ``HH:MM-HH:MM`` (``bad_shift``) or ending before it starts (``shift_order``).
    UnknownError
        No postman account ``name`` with a post office (``postman_not_found``).
    """
    tidy = None if shift is None else _shift(shift)
    _keep(engine, name, shift=tidy)
    log.info("postman %s: usual shift %s", name, tidy or "the default")
    return tidy


CAPACITY_RANGE = (1, 10_000)
"""The usual capacities a postman's account may keep, dossier units."""


def set_capacity(engine: Engine, name: str, capacity: int | None) -> int | None:
    """Give postman ``name`` his usual capacity, the dossier units his vehicle carries at once (one on a bicycle:
    15), which a day is planned with unless the dispatcher sends another; ``None`` gives back the default
    (:data:`ops.scenario.POSTMAN_CAPACITY`). Returns the capacity as stored.

    Raises
    ------
    InputError
        A capacity outside :data:`CAPACITY_RANGE` (``bad_capacity``).
    UnknownError
        No postman account ``name`` with a post office (``postman_not_found``).
    """
    low, high = CAPACITY_RANGE
    if capacity is not None and not low <= capacity <= high:
        raise InputError(
            f"capacity {capacity} is not between {low} and {high} dossier units",
            code="bad_capacity",
            field="capacity",
            capacity=capacity,
            low=low,
            high=high,
        )
    _keep(engine, name, capacity=capacity)
    log.info("postman %s: usual capacity %s", name, capacity or "the default")
    return capacity


def _keep(engine: Engine, name: str, **values: object) -> None:
    """Write ``values`` on the account of postman ``name``, or raise :class:`UnknownError` when there is none."""
    users = tables.users
    with engine.begin() as conn:
        postman = (users.c.name == name) & (users.c.role == "postman") & users.c.agency_id.is_not(None)
        changed = conn.execute(users.update().where(postman).values(**values)).rowcount
    if not changed:
        raise UnknownError(
            f"no postman {name!r} with a post office", code="postman_not_found", field="name", postman=name
        )


def _shift(text: str) -> str:
    """A shift ``HH:MM-HH:MM`` written with two-digit hours, checked to end after it starts."""
    found = _SHIFT.fullmatch(text.strip())
    if found is None:
        raise InputError(f"shift {text!r} is not HH:MM-HH:MM", code="bad_shift", field="shift", shift=text)
    start, end = found.groups()
    if end <= start:
        raise InputError(f"shift {text!r} ends before it starts", code="shift_order", field="shift", shift=text)
    return f"{start}-{end}"


def full_names(engine: Engine, names: Iterable[str]) -> dict[str, str]:
    """The full names of the accounts ``names`` that have one, by name (a token, the portal or the simulation
    has none)."""
    users = tables.users
    query = sa.select(users.c.name, users.c.full_name).where(
        users.c.name.in_(set(names)), users.c.full_name.is_not(None)
    )
    with engine.connect() as conn:
        return {name: full for name, full in conn.execute(query)}


def full_name(engine: Engine, name: str) -> str | None:
    """The full name of account ``name``, ``None`` when it has none (or there is no such account: a token)."""
    return full_names(engine, [name]).get(name)


def described(engine: Engine, who: Principal) -> dict[str, str | None]:
    """``who`` as ``GET /me`` and the pages say him: ``name``, ``full_name`` (``None`` when none), ``role`` and
    ``agency_id``."""
    return {"name": who.name, "full_name": full_name(engine, who.name), "role": who.role, "agency_id": who.agency_id}


def authenticate(engine: Engine, name: str, password: str) -> Principal | None:
    """The account if the password matches, else ``None`` (the same answer for an unknown name)."""
    users = tables.users
    with engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.name == name)).mappings().first()
    if row is None:
        # Hash anyway so that an unknown name takes as long as a wrong password.
        _hasher.hash(password)
        return None
    try:
        _hasher.verify(row["password_hash"], password)
    except (VerificationError, InvalidHashError):
        return None
    return Principal(row["name"], row["role"], row["agency_id"])


def carried(dossier: dict) -> bool:
    """Whether ``dossier`` (:func:`ops.dossiers.current`) is in a postman's hands: on its way to its authority or
    back to the citizen (:data:`CARRYING`), or a home pickup digitised at the applicant's door (its last move made
    at the ``address``) and not yet handed over at a post office."""
    return dossier["state"] in CARRYING or (dossier["state"] == "digitised" and dossier["place"] == "address")


def sees_personal_data(who: Principal, dossier: dict) -> bool:
    """Whether ``who`` may read the applicant of ``dossier`` (:func:`ops.dossiers.current`)."""
    if who.role == "agency_staff":
        return who.agency_id == dossier["agency_id"]
    return who.role == "postman" and carried(dossier)


def log_access(engine: Engine, who: Principal, code: str, what: str) -> None:
    """Write one read of personal data to the access log."""
    with engine.begin() as conn:
        conn.execute(
            tables.access_log.insert().values(
                at=datetime.now(UTC), who=who.name, role=who.role, dossier_code=code, what=what
            )
        )


def access_log(engine: Engine, *, code: str | None = None, limit: int = 100) -> list[dict]:
    """The newest reads of personal data (of one dossier when ``code`` is given), newest first."""
    log_table = tables.access_log
    query = sa.select(log_table.c.at, log_table.c.who, log_table.c.role, log_table.c.dossier_code, log_table.c.what)
    if code is not None:
        query = query.where(log_table.c.dossier_code == code)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(log_table.c.id.desc()).limit(limit)).mappings()
        return [dict(r) for r in rows]
