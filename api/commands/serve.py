"""``agencynet serve``: the HTTP service and its map pages (uvicorn)."""

from __future__ import annotations

import argparse
import logging
import os
import secrets

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="run the HTTP service and the map pages")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (each loads the map)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    if not (os.environ.get("AGENCYNET_TOKENS") or os.environ.get("AGENCYNET_TOKENS_FILE")):
        # A first run with no operator tokens still opens every page: tokens for this run only, printed once.
        planner, dispatcher = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
        os.environ["AGENCYNET_TOKENS"] = f"{planner}:planner,{dispatcher}:dispatcher"
        print(
            f"agencynet: no AGENCYNET_TOKENS set; tokens for this run: planner {planner}, dispatcher {dispatcher}",
            flush=True,
        )
    print(
        f"agencynet: loading the map, then serving on http://{shown}:{args.port}/ "
        f"(dispatch: /dispatch, planning: /planning, API: /docs)",
        flush=True,
    )
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info" if args.verbose else "warning",
        # The compiled event loop and HTTP parser (uvicorn[standard]); no access log line per request.
        loop="uvloop",
        http="httptools",
        access_log=bool(args.verbose),
    )
    return 0
