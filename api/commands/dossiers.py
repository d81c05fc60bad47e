"""``agencynet dossiers``: what the store holds (``summary``), the authorities without a location (``gaps``), the
feed of changes the province's portal reads (``changes``) and the same feed pushed to the portal's address, or as
the applicants' SMS notices to the operator's gateway (``push``, ``pushes``)."""

from __future__ import annotations

import argparse
import functools
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from tqdm import tqdm

from api import notify
from api.commands._common import add_lang_option, add_map_options, load_map
from api.commands._store import add_database_option, open_store
from geo._errors import InputError
from ops import authorities, changes, dossiers, gateways, notices, push
from ops.errors import PushError
from ops.store import Store

ESMS_KEYS = ("AGENCYNET_ESMS_API_KEY", "AGENCYNET_ESMS_SECRET_KEY")
"""The environment variables holding the operator's eSMS keys (``--gateway esms``)."""

CALLBACK_KEY = "AGENCYNET_ESMS_CALLBACK_KEY"
"""The environment variable holding the key eSMS's delivery receipts carry (``--receipts-to``), the service's
setting of the same name."""

ZNS_TOKEN = "AGENCYNET_ZNS_ACCESS_TOKEN"
"""The environment variable holding the Zalo official account's access token (``--gateway zns``)."""

PROVIDER_URLS = {"esms": gateways.ESMS_URL, "zns": gateways.ZNS_URL}
"""Where each provider is sent the notices unless ``--to`` says otherwise."""

SECRET = "AGENCYNET_PUSH_SECRET"
"""The environment variable holding the key the pushed batches are signed with (never on the command line, which
other users of the machine can read)."""

BACKOFF_S = 600.0
"""The longest wait between two tries of a receiver that does not take the feed, when following."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("dossiers", help="dossiers in the store: summary, data gaps")
    sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
    _listing(sub, "summary", "counts by state and by procedure", run_summary)
    _listing(sub, "gaps", "deciding units of stored dossiers that are unknown or have no location", run_gaps)
    feed = sub.add_parser(
        "changes",
        help="every move after a cursor, oldest first, one JSON object a line (what GET /portal/changes serves); "
        "the cursor to go on from on standard error",
    )
    feed.add_argument("--after", default=None, help="the cursor of the last change read (from the first change)")
    add_database_option(feed)
    feed.set_defaults(func=run_changes)
    pusher = sub.add_parser(
        "push",
        help=f"POST every change the receiver has not taken to its address, a batch at a time, signed with the key in "
        f"${SECRET} (HMAC-SHA256, header {push.SIGNATURE}); its cursor is kept in the store",
    )
    pusher.add_argument(
        "--to",
        default=None,
        metavar="URL",
        help=f"the receiver's http:// or https:// address (with --gateway esms, {gateways.ESMS_URL} by default; with "
        f"--gateway zns, {gateways.ZNS_URL})",
    )
    pusher.add_argument(
        "--name",
        default=None,
        help="the receiver, by the name its cursor is kept under (portal; with --notices, notices)",
    )
    pusher.add_argument("--batch", type=int, default=push.BATCH, help="most changes in one batch (1 to 1000)")
    pusher.add_argument("--timeout", type=float, default=30.0, metavar="S", help="seconds to wait for an answer")
    pusher.add_argument(
        "--follow",
        action="store_true",
        help="keep pushing new changes until stopped (SIGTERM, Ctrl-C); a receiver that does not answer is tried "
        "again, waiting twice as long each time (up to 10 minutes)",
    )
    pusher.add_argument("--every", type=float, default=30.0, metavar="S", help="with --follow: seconds between looks")
    pusher.add_argument(
        "--notices",
        action="store_true",
        help="send the applicants' SMS notices the changes ask for (a result waiting at its agency, one on its way "
        "to the door) instead of the changes, and those of today's plan (when the postman comes for a home pickup): "
        '{"messages": [{"ref", "to", "text", "kind", "synthetic"}]}',
    )
    pusher.add_argument("--plain", action="store_true", help="with --notices: the texts without diacritics")
    pusher.add_argument(
        "--send-hours",
        default=None,
        metavar="HOURS",
        help=f"with --notices: when they go out, Hanoi time, as OSM opening_hours (default {notices.SENDING_HOURS}; "
        "24/7 for at any hour); outside them the notices wait, and their cursor with them",
    )
    pusher.add_argument(
        "--gateway",
        choices=("agencynet", "esms", "zns"),
        default="agencynet",
        help="with --notices: the body agencynet's own, signed (default), or each notice sent to eSMS.vn's API for "
        f"customer-care brandname messages with the account's keys in ${ESMS_KEYS[0]} and ${ESMS_KEYS[1]}, or to "
        f"Zalo's notification service (ZNS) with the official account's access token in ${ZNS_TOKEN}",
    )
    pusher.add_argument(
        "--fallback",
        choices=("esms",),
        default=None,
        help="with --gateway zns: a notice Zalo will never deliver to its phone (no Zalo account, ZNS refused ...) "
        "sent by SMS instead, to eSMS.vn with its keys and --brandname",
    )
    pusher.add_argument(
        "--fallback-to",
        default=None,
        metavar="URL",
        help=f"with --fallback esms: its http:// or https:// address ({gateways.ESMS_URL} by default)",
    )
    pusher.add_argument(
        "--sms-after",
        type=float,
        default=None,
        metavar="MIN",
        help="with --fallback esms: a Zalo notice no receipt says reached the phone after MIN minutes (Zalo sends none "
        "of a message that did not arrive) sent again by SMS, when still true (the dossier not moved, the window "
        f"told still the postman's); suggested {notices.SILENT_S // 60}. Needs Zalo's webhook at agencynet's "
        "POST /receipts/zns: without receipts every Zalo notice would go by SMS too",
    )
    pusher.add_argument(
        "--brandname", default=None, help="with --gateway esms or --fallback esms: the brandname registered with eSMS"
    )
    pusher.add_argument(
        "--receipts-to",
        default=None,
        metavar="URL",
        help="with --gateway esms or --fallback esms: agencynet's public address, for eSMS to call back with each "
        f"message's delivery receipt (GET /receipts/esms), with the key in ${CALLBACK_KEY} that the service holds too",
    )
    pusher.add_argument(
        "--templates",
        default=None,
        metavar="FILE",
        help="with --gateway zns: a JSON object of the template approved for each kind of notice, "
        '{"for_collection": "<template id>", ...}',
    )
    pusher.add_argument(
        "--sandbox",
        action="store_true",
        help="with --gateway esms or zns: the provider's test mode, which checks the messages, sends and charges "
        "none; a synthetic dossier's notice goes nowhere else",
    )
    add_lang_option(pusher)
    add_map_options(pusher)
    add_database_option(pusher)
    pusher.set_defaults(func=run_push)
    _listing(sub, "pushes", "the receivers pushed to: where each stands, what it has still to take", run_pushes)


def _listing(sub: argparse._SubParsersAction, name: str, what: str, run: Callable[[argparse.Namespace], int]) -> None:
    """A command that prints what the store holds, as text or ``--json``."""
    parser = sub.add_parser(name, help=what)
    parser.add_argument("--json", action="store_true", help="print it as JSON")
    add_database_option(parser)
    parser.set_defaults(func=run)


def run_summary(args: argparse.Namespace) -> int:
    with open_store(args) as engine:
        found = dossiers.summary(engine)
    if args.json:
        print(json.dumps(found, ensure_ascii=False))
        return 0
    print(f"{found['total']} dossiers")
    for title, counts in (("by state", found["by_state"]), ("by procedure", found["by_procedure"])):
        print(f"{title}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def run_gaps(args: argparse.Namespace) -> int:
    with open_store(args) as engine:
        gaps = authorities.data_gaps(engine)
    if args.json:
        print(json.dumps(gaps, ensure_ascii=False))
        return 0
    for gap in gaps:
        print(f"{gap['authority_code']} {gap['name'] or '?'}: {gap['reason']}, {gap['dossiers']} dossiers")
    return 0


def run_changes(args: argparse.Namespace) -> int:
    since = changes.START if args.after is None else changes.cursor(args.after)
    count = 0
    with open_store(args) as engine:
        while True:
            page = changes.after(engine, since)
            for change in page["changes"]:
                print(json.dumps(change, ensure_ascii=False))
            count += len(page["changes"])
            since = changes.cursor(page["next"])
            if not page["more"]:
                break
    print(f"{count} changes; next: --after {since}", file=sys.stderr)
    return 0


def _wrong_options(args: argparse.Namespace) -> str | None:
    """What is wrong with the options of ``push`` (None when nothing): an option without the one it goes with, a
    key, an address or a template missing."""
    provider = args.gateway != "agencynet"
    if args.every <= 0 or args.timeout <= 0:
        return "--every and --timeout are seconds above 0"
    if args.sms_after is not None and not 0 < args.sms_after <= notices.SILENT_WITHIN.total_seconds() / 60:
        return f"--sms-after: minutes above 0, at most {notices.SILENT_WITHIN.total_seconds() / 60:.0f}"
    esms = "esms" in (args.gateway, args.fallback)
    given = {
        "--plain": args.plain,
        "--send-hours": args.send_hours is not None,
        "--gateway": provider,
        "--brandname": args.brandname is not None,
        "--receipts-to": args.receipts_to is not None,
        "--templates": args.templates is not None,
        "--fallback": args.fallback is not None,
        "--fallback-to": args.fallback_to is not None,
        "--sms-after": args.sms_after is not None,
        "--sandbox": args.sandbox,
    }
    alone = [o for o, on in given.items() if on and not args.notices]
    if alone:
        return f"{alone[0]} goes with --notices"
    goes = {"--templates": "zns", "--fallback": "zns", "--sandbox": "esms or zns"}
    for option, gateway in goes.items():
        if given[option] and args.gateway not in gateway.split(" or "):
            return f"{option} goes with --gateway {gateway}"
    for option in ("--fallback-to", "--sms-after"):
        if given[option] and args.fallback != "esms":
            return f"{option} goes with --fallback esms"
    if given["--fallback-to"]:
        wrong = _wrong_address(args.fallback_to, "--fallback-to")
        if wrong is not None:
            return wrong
    for option in ("--brandname", "--receipts-to"):
        if given[option] and not esms:
            return f"{option} goes with --gateway esms or --fallback esms"
    if given["--receipts-to"]:
        wrong = _wrong_address(args.receipts_to, "--receipts-to")
        if wrong is not None or not os.environ.get(CALLBACK_KEY):
            return wrong or f"--receipts-to needs the key eSMS's receipts carry in ${CALLBACK_KEY}"
    if esms and not (all(os.environ.get(name) for name in ESMS_KEYS) and args.brandname):
        which = "--gateway" if args.gateway == "esms" else "--fallback"
        return f"{which} esms needs --brandname and the account's keys in ${ESMS_KEYS[0]} and ${ESMS_KEYS[1]}"
    if args.gateway == "zns" and not (os.environ.get(ZNS_TOKEN) and args.templates):
        return f"--gateway zns needs --templates and the official account's access token in ${ZNS_TOKEN}"
    if args.gateway == "zns":
        return _wrong_templates(args.templates)
    if not (os.environ.get(SECRET) or provider):
        return f"set {SECRET} to the key the receiver checks the batches with"
    if args.to is None and not provider:
        return "--to: the receiver's address is needed"
    return None


def _wrong_address(url: str, option: str) -> str | None:
    """What is wrong with the address given to ``option`` (None when nothing)."""
    try:
        push.check_address(url, option)
    except InputError as exc:
        return str(exc)
    return None


def _wrong_templates(path: str) -> str | None:
    """What is wrong with the ``--templates`` file (None when nothing)."""
    try:
        _templates(path)
    except InputError as exc:
        return str(exc)
    return None


def _templates(path: str) -> dict[str, str]:
    """The ``--templates`` file: the template id of each kind of notice.

    Raises
    ------
    InputError
        The file unreadable, not a JSON object of template ids, or a kind of notice without one.
    """
    try:
        with open(path, encoding="utf-8") as f:
            templates = json.load(f)
    except (OSError, ValueError) as exc:
        raise InputError(f"--templates: cannot read {path} ({exc})") from None
    if not isinstance(templates, dict) or not all(isinstance(v, str) and v for v in templates.values()):
        raise InputError(f"--templates: {path} is not a JSON object of template ids by kind of notice")
    missing = [kind for kind in notices.EVERY_KIND if kind not in templates]
    if missing:
        raise InputError(f"--templates: {path} has no template for {', '.join(missing)}")
    return templates


def _provider(args: argparse.Namespace, engine: Engine) -> gateways.Provider | None:
    """The account of ``--gateway`` (None for agencynet's own receiver), with its ``--fallback``: a notice the
    providers will never deliver to its phone is kept and passed over, so that the others go on; each one taken is
    kept as it goes."""
    passed = functools.partial(notices.passed, engine, args.name)
    ledger = notices.Ledger(engine, args.name)
    esms = None
    if "esms" in (args.gateway, args.fallback):
        api_key, secret_key = (os.environ[name] for name in ESMS_KEYS)
        receipts = args.receipts_to and gateways.callback_url(args.receipts_to, os.environ[CALLBACK_KEY])
        esms = gateways.Esms(
            api_key=api_key,
            secret_key=secret_key,
            brandname=args.brandname,
            callback=receipts or "",
            sandbox=args.sandbox,
            passed=passed,
            ledger=ledger,
            url=args.fallback_to or gateways.ESMS_URL,
        )
    if args.gateway != "zns":
        return esms
    templates = _templates(args.templates)  # checked by _wrong_options
    token = os.environ[ZNS_TOKEN]
    return gateways.Zns(
        access_token=token, templates=templates, sandbox=args.sandbox, passed=passed, ledger=ledger, fallback=esms
    )


def run_push(args: argparse.Namespace) -> int:
    wrong = _wrong_options(args)
    if wrong is not None:
        print(f"agencynet dossiers push: {wrong}", file=sys.stderr)
        return 2
    secret = os.environ.get(SECRET, "")
    args.to = args.to or PROVIDER_URLS.get(args.gateway)
    hours = notices.sending_hours(args.send_hours or notices.SENDING_HOURS) if args.notices else None
    args.name = args.name or ("notices" if args.notices else "portal")
    stop = threading.Event()
    if args.follow:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    wait = args.every
    store = Store(args.database)
    engine = store.engine
    provider = _provider(args, engine)
    post = None if provider is None else provider.post
    # Where the Zalo notices no receipt confirmed go again (--sms-after).
    sms = provider.fallback if provider is not None and args.sms_after is not None else None
    try:
        # The notices name the agency a result waits at, and its address: the map's.
        texts = notify.Texts(load_map(args), args.lang, plain=args.plain) if args.notices else None
        shape = None if texts is None else notify.shaper(store, texts)
        while True:
            held = None if hours is None else notices.held_until(hours, datetime.now(UTC))
            if held is not None:
                print(
                    f"agencynet dossiers push: the notices wait for their sending hours ({hours}), until "
                    f"{held:%Y-%m-%d %H:%M}",
                    file=sys.stderr,
                )
                # A second past the opening, so that the next look finds the hours open.
                if not args.follow or stop.wait((held - datetime.now(UTC)).total_seconds() + 1):
                    return 0
                continue
            try:
                pushed = _push_once(engine, args, secret.encode(), post, stop, shape)
                told = 0 if texts is None else _tell_doors(store, args, secret.encode(), post, texts)
                again = 0 if sms is None or texts is None else _follow_up(store, args, sms, texts)
            except PushError as exc:
                print(f"agencynet dossiers push: {exc}", file=sys.stderr)
                if not (args.follow and exc.transient):
                    return 1
                wait = min(2 * wait, BACKOFF_S)
            else:
                wait = args.every
                if pushed.changes or not args.follow:
                    print(
                        f"{_count(pushed.changes, 'change', 'changes')} pushed to {args.to} in "
                        f"{_count(pushed.batches, 'batch', 'batches')}; "
                        f"{args.name} at cursor {pushed.cursor}",
                        file=sys.stderr,
                    )
                if told:
                    print(
                        f"{_count(told, 'notice', 'notices')} of the postman's coming sent to {args.to}",
                        file=sys.stderr,
                    )
                if again:
                    print(
                        f"{_count(again, 'Zalo notice', 'Zalo notices')} no receipt confirmed in {args.sms_after:g} "
                        "min sent again by SMS",
                        file=sys.stderr,
                    )
            if not args.follow or stop.wait(wait):
                return 0
    finally:
        store.close()


def _push_once(
    engine: Engine,
    args: argparse.Namespace,
    secret: bytes,
    post: push.Post | None,
    stop: threading.Event,
    shape: Callable[[dict], dict | None] | None,
) -> push.Pushed:
    """One push of what the receiver has not taken (:func:`ops.push.push`), with a bar of progress on a
    terminal."""
    with tqdm(total=push.waiting(engine, args.name), unit="change", desc=args.name, disable=None) as bar:
        return push.push(
            engine,
            args.name,
            args.to,
            secret,
            batch=args.batch,
            timeout_s=args.timeout,
            progress=bar.update,
            stop=stop,
            shape=shape,
            post=post,
            # The notices sent, by dossier, for the counter (a portal's batch keeps nothing more than its cursor).
            kept=None if shape is None else notices.keeper(args.name),
        )


def _tell_doors(
    store: Store, args: argparse.Namespace, secret: bytes, post: push.Post | None, texts: notify.Texts
) -> int:
    """Send the notices of the postman's coming to the doors of today's plan still to tell: the windows of home
    pickups (:func:`ops.notices.pickups`) and his being on his way (:func:`ops.notices.on_the_way`), a batch
    (:func:`ops.push.send`); how many."""
    now = datetime.now(UTC)
    found = notices.pickups(store, now) + notices.on_the_way(store, now)
    if found:
        delivery = f"doors:{found[0]['day']}"
        batch = texts.batch(found)
        kept = notices.keeper(args.name)
        push.send(
            store.engine, args.name, args.to, secret, batch, delivery, timeout_s=args.timeout, post=post, kept=kept
        )
        notices.told(store.engine, found)
    return len(found)


def _follow_up(store: Store, args: argparse.Namespace, sms: gateways.Provider, texts: notify.Texts) -> int:
    """Send by SMS, to the ``--fallback`` provider ``sms`` at its own address, the Zalo notices no receipt confirmed
    in ``--sms-after`` minutes and still true (:func:`ops.notices.silent`), a batch; how many."""
    now = datetime.now(UTC)
    found = notices.silent(store, args.name, now, round(args.sms_after * 60))
    if found:
        push.send(
            store.engine,
            args.name,
            args.to,
            b"",
            texts.batch(found),
            f"sms-after:{now:%Y-%m-%dT%H:%M}",
            timeout_s=args.timeout,
            # The batch goes to the fallback at its own address; the receiver's row keeps the push's.
            post=lambda client, _, body, delivery: sms.post(client, sms.url, body, delivery),
            kept=notices.keeper(args.name),
        )
    return len(found)


def run_pushes(args: argparse.Namespace) -> int:
    with open_store(args) as engine:
        found = push.receivers(engine)
    if args.json:
        print(json.dumps(found, ensure_ascii=False, default=str))
        return 0
    for r in found:
        said = [f"{r['name']} {r['url']}: {r['pushed']} taken, {r['waiting']} waiting, at cursor {r['cursor']}"]
        if r["failure"]:
            said.append(f"failed {r['failed_at']:%Y-%m-%d %H:%M}: {r['failure']}")
        if r["last_passed"]:
            last = r["last_passed"]
            said.append(
                f"{_count(r['passed'], 'notice', 'notices')} passed over, the last {last['ref']}: {last['reason']}"
            )
        if r["delivered"] or r["undelivered"]:
            said.append(f"receipts: {r['delivered']} delivered, {r['undelivered']} undelivered")
        if r["sms_again"]:
            said.append(
                f"{_count(r['sms_again'], 'Zalo notice', 'Zalo notices')} no receipt confirmed sent again by SMS"
            )
        print("; ".join(said))
    return 0


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
