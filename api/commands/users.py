"""``agencynet users add NAME --role R [--full-name "Nguyễn Văn An"]``: create an account for the pages (the password
is asked for); ``agencynet users name NAME "Nguyễn Văn An"``: give an account the full name the pages say;
``agencynet users shift NAME 07:30-12:00``: a postman's usual shift (``default`` gives back 07:30-17:30);
``agencynet users capacity NAME 15``: his usual capacity in dossier units (``default`` gives back 40)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from api.commands._store import add_database_option, open_store
from geo._errors import InputError
from ops import accounts


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("users", help="accounts of the people who sign in to the pages")
    sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
    add = sub.add_parser("add", help="create an account")
    add.add_argument("name", help="user name")
    add.add_argument("--role", required=True, choices=accounts.PEOPLE_ROLES, help="role of the account")
    add.add_argument("--agency", help="agency_id of the agency (required for agency_staff)")
    add.add_argument("--full-name", help='the name the pages say, "Nguyễn Văn An" (default: the user name)')
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input (else it is asked)"
    )
    add_database_option(add)
    add.set_defaults(func=run_add)
    name = sub.add_parser("name", help="give an account the full name the pages say")
    name.add_argument("name", help="user name")
    name.add_argument("full_name", help='the full name, "Nguyễn Văn An"')
    add_database_option(name)
    name.set_defaults(func=run_name)
    shift = sub.add_parser("shift", help="keep a postman's usual shift, which a day is planned with")
    shift.add_argument("name", help="user name of the postman")
    shift.add_argument("shift", help="HH:MM-HH:MM, or 'default' for 07:30-17:30")
    add_database_option(shift)
    shift.set_defaults(func=run_shift)
    capacity = sub.add_parser("capacity", help="keep a postman's usual capacity, which a day is planned with")
    capacity.add_argument("name", help="user name of the postman")
    capacity.add_argument("capacity", help="dossier units his vehicle carries at once, or 'default' for 40")
    add_database_option(capacity)
    capacity.set_defaults(func=run_capacity)


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if os.environ.get("AGENCYNET_PASSWORD"):
        return os.environ["AGENCYNET_PASSWORD"]
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise InputError("the two passwords differ")
    return first


def run_add(args: argparse.Namespace) -> int:
    password = _password(args)
    with open_store(args) as engine:
        who = accounts.add_user(engine, args.name, password, args.role, agency_id=args.agency, full_name=args.full_name)
    print(f"user {who.name} added with role {who.role}")
    return 0


def run_name(args: argparse.Namespace) -> int:
    with open_store(args) as engine:
        said = accounts.set_full_name(engine, args.name, args.full_name)
    print(f"user {args.name} is said as {said}")
    return 0


def run_shift(args: argparse.Namespace) -> int:
    with open_store(args) as engine:
        kept = accounts.set_shift(engine, args.name, None if args.shift == "default" else args.shift)
    print(f"postman {args.name} works {kept or 'the default shift'}")
    return 0


def run_capacity(args: argparse.Namespace) -> int:
    if args.capacity != "default" and not args.capacity.isdecimal():
        raise InputError(f"capacity {args.capacity!r} is not a whole number of dossier units, nor 'default'")
    with open_store(args) as engine:
        kept = accounts.set_capacity(engine, args.name, None if args.capacity == "default" else int(args.capacity))
    print(f"postman {args.name} carries {kept or 'the default'} dossier units")
    return 0
