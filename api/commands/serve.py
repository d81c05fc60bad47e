"""``agencynet serve``: the HTTP service and its map pages (uvicorn).

On a first start with an empty store it creates the demonstration data (:mod:`ops.demo`: a synthetic quarter and
a half, one account per role, the passwords printed once), unless ``--no-demo`` or ``AGENCYNET_DEMO=0``.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from api.settings import Settings
    from geo.addressmap import AddressMap

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="run the HTTP service and the map pages")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (each loads the map)")
    parser.add_argument(
        "--forwarded-allow-ips",
        default=os.environ.get("AGENCYNET_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        metavar="IPS",
        help="the reverse proxies whose X-Forwarded-Proto and X-Forwarded-For are believed, comma-separated "
        "addresses or networks, or * (default $AGENCYNET_FORWARDED_ALLOW_IPS, else 127.0.0.1)",
    )
    parser.add_argument(
        "--no-demo", action="store_true", help="never create the demonstration data, even in an empty store"
    )
    parser.set_defaults(func=run)


def _map(settings: Settings) -> AddressMap:
    """The map the settings name, loaded here with a progress bar (its errors one line, before any server)."""
    from api.commands._common import loading
    from geo import paths

    return loading(settings.osm, profile=settings.profile, data_dir=settings.data or paths.data_dir())


def _open_store(settings: Settings, *, seed: bool, amap: AddressMap | None) -> AddressMap | None:
    """Open the store here, its schema migrated once before any worker opens it (an unreachable store is one
    line, not a traceback in every worker); with ``seed`` and an empty store, create the demonstration data.

    Returns the map: ``amap``, or the one loaded for the demonstration data when ``amap`` was None.
    """
    from ops import demo
    from ops.store import Store

    store = Store(settings.resolved_database_url())
    try:
        if not seed or not demo.is_empty(store.engine):
            return amap
        print("agencynet: empty store: creating the demonstration data (synthetic, seeded) ...", flush=True)
        amap = amap or _map(settings)
        made = demo.seed(store, amap, progress=True)
    finally:
        store.engine.dispose()
    carried = made.carried
    planned = f", {len(carried.days)} days planned from {carried.days[0]} on" if carried.days else ""
    print(
        f"agencynet: {made.dossiers:,} synthetic dossiers of {' and '.join(made.quarters)} carried out until this "
        f"morning ({carried.moves:,} moves{planned}, {carried.events:,} stop events); demonstration accounts, "
        "shown only now:",
        flush=True,
    )
    for role, name, password in made.accounts:
        print(f"  {role:<13} {name:<20} {password}", flush=True)
    return amap


def _settings() -> Settings:
    """The settings of the environment; a bad one is one line naming its variable, not pydantic's report."""
    from pydantic import ValidationError

    from api.settings import Settings
    from geo._errors import InputError

    try:
        return Settings()
    except ValidationError as exc:
        said = "; ".join(
            f"AGENCYNET_{str(e['loc'][0]).upper()}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()
        )
        raise InputError(said) from None


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from api import workers
    from api.app import create_app, tokens_of
    from geo._errors import AgencynetError, InputError

    if args.workers < 1:
        raise InputError(f"--workers must be at least 1, got {args.workers}")
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    if not (os.environ.get("AGENCYNET_TOKENS") or os.environ.get("AGENCYNET_TOKENS_FILE")):
        # A first run with no operator tokens still opens every page: tokens for this run only, printed once.
        planner, dispatcher = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
        os.environ["AGENCYNET_TOKENS"] = f"{planner}:planner,{dispatcher}:dispatcher"
        print(
            f"agencynet: no AGENCYNET_TOKENS set; tokens for this run: planner {planner}, dispatcher {dispatcher}",
            flush=True,
        )
    settings = _settings()
    tokens_of(settings)  # a bad token is one line here, not a traceback in every worker restarted by uvicorn
    # One worker serves the map loaded here (a bad map is one line); several load their own (each a process).
    amap = _map(settings) if args.workers == 1 else None
    amap = _open_store(settings, seed=not args.no_demo and settings.demo, amap=amap)
    print(
        f"agencynet: starting, then serving on http://{shown}:{args.port}/ "
        f"(dispatch: /dispatch, planning: /planning, sign in: /signin, API: /docs)",
        flush=True,
    )
    options = {
        "host": args.host,
        "port": args.port,
        "log_level": "info" if args.verbose else "warning",
        # The compiled event loop and HTTP parser (uvicorn[standard]); no access log line per request.
        "loop": "uvloop",
        "http": "httptools",
        "access_log": bool(args.verbose),
        # The scheme and client a reverse proxy says, believed from these addresses only.
        "proxy_headers": True,
        "forwarded_allow_ips": args.forwarded_allow_ips,
    }
    if args.workers == 1:
        assert amap is not None
        uvicorn.run(create_app(settings, amap=amap), **options)
    elif workers.balanced():
        try:
            started = workers.run(uvicorn.Config("api.app:create_app", factory=True, workers=args.workers, **options))
        except OSError as exc:
            raise InputError(f"--port {args.port}: cannot listen on {args.host}: {exc.strerror}") from exc
        if not started:
            raise AgencynetError("a worker could not start (its reason is above); the service stopped")
    else:
        uvicorn.run("api.app:create_app", factory=True, workers=args.workers, **options)
    return 0
