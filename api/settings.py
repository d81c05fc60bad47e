"""Settings of the HTTP service, read from ``AGENCYNET_*`` environment variables (pydantic-settings).

Every setting has a default that runs the service offline on the embedded central-Hanoi data.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ops import database


class Settings(BaseSettings):
    """Service settings; each field is also read from ``AGENCYNET_<NAME>`` (e.g. ``AGENCYNET_DATABASE_URL``).

    Attributes
    ----------
    data
        Folder of the Hanoi data files; :func:`geo.paths.data_dir` decides when empty (same variable,
        ``AGENCYNET_DATA``, as the command line).
    osm
        OSM extract to build the network from; the default central-Hanoi extract when empty.
    profile
        Travel profile of the map (``motorbike``, ``car``, ``walk``).
    database_url
        SQLAlchemy URL of the operations store (plans, scenarios, dossiers); ``data/agencynet.sqlite`` when
        empty.
    tokens
        Bearer tokens and their roles, ``"tokenA:planner,tokenB:dispatcher"``.
    tokens_file
        JSON (``{"token": "role"}``) or TOML (``[tokens]`` table of the same) file of tokens; merged with
        ``tokens``.
    session_secret
        Key signing the session cookies of people signed in to the pages; a random key per process when empty
        (sessions then end when the service restarts).
    cookie_secure
        Send the session cookie over HTTPS only (set it behind TLS).
    tiles_url
        Optional online tile template (``https://.../{z}/{x}/{y}.png``) offered as a layer on the pages; the
        pages draw the project's own roads and wards when empty, so they work offline.
    tiles_attribution
        Attribution shown with the online tiles.
    solve_time_limit_s
        Default search budget of ``POST /plans``, seconds.
    max_solve_time_s
        Largest search budget a request may ask for, seconds (a worker is busy that long).
    demo
        Whether ``agencynet serve`` fills an empty store with the demonstration data (:mod:`ops.demo`); the
        service itself never does, so tests and other stores are left alone.
    public_url
        The address the citizens reach the service at (``https://dichvucong.example.vn/agencynet/``), for the links
        printed on paper (the receipt's QR code). Empty: the request's own address, which behind a reverse proxy is
        the proxy's as its ``X-Forwarded-Proto`` and ``Host`` headers say (trusted from ``agencynet serve
        --forwarded-allow-ips``).
    esms_callback_key
        The key eSMS's delivery receipts must carry (``GET /receipts/esms?key=``; ``agencynet dossiers push
        --gateway esms --receipts-to`` gives eSMS the address with it); none taken when empty.
    zns_app_id, zns_oa_secret_key
        The Zalo app's id and the official account's secret key, which sign the events of its webhook
        (``POST /receipts/zns``); none taken when either is empty.
    """

    model_config = SettingsConfigDict(env_prefix="AGENCYNET_", extra="ignore")

    data: Path | None = None
    osm: Path | None = None
    profile: str = "motorbike"
    database_url: str = ""
    tokens: str = ""
    tokens_file: Path | None = None
    session_secret: str = ""
    cookie_secure: bool = False
    tiles_url: str = ""
    tiles_attribution: str = "© OpenStreetMap contributors"
    solve_time_limit_s: float = Field(default=5.0, gt=0)
    max_solve_time_s: float = Field(default=60.0, gt=0)
    demo: bool = True
    public_url: str = ""
    esms_callback_key: str = ""
    zns_app_id: str = ""
    zns_oa_secret_key: str = ""

    @field_validator("public_url")
    @classmethod
    def _an_address(cls, value: str) -> str:
        if value and not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", value):
            raise ValueError(f"an http:// or https:// address such as https://dichvucong.example.vn/, got {value!r}")
        return value

    def resolved_database_url(self) -> str:
        """The database URL, the default SQLite file when none is set (its folder is created)."""
        return database.url(self.database_url)
