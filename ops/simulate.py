"""A synthetic quarter of the portal's feed on the map: dossiers at realistic volume and mix, decisions and a
few cancellations arriving as portal events. Every record is marked synthetic; the same seed gives the same feed.

Volumes and mix follow Phú Thọ, H1 2018 (CONTEXT.md): 71,132 dossiers by post in six months, so 35,566 a
quarter by default; 81% social insurance, 18% police papers, 0.5% driving licences, the rest spread evenly over
the other procedures. Dossiers are received on working days (Vietnamese public holidays from :mod:`geo.hours`) in
office hours, at one of the agencies nearest to the applicant's home; the other shares below are
assumptions, documented where they are set.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
from tqdm import tqdm

from geo import hours
from geo._errors import InputError
from geo.addressmap import AddressMap
from ops import authorities

log = logging.getLogger(__name__)

PER_QUARTER = 71_132 // 2
"""Dossiers by post in a quarter (Phú Thọ, H1 2018: 71,132 in six months)."""

MIX = {
    "social_insurance": 0.81,
    "police_papers": 0.18,
    "driving_licence": 0.005,
    "judicial_record": 0.001,
    "land": 0.001,
    "civil_status": 0.001,
    "business_registration": 0.001,
    "other": 0.001,
}
"""Share of each procedure (Phú Thọ H1 2018: 57,906 / 12,591 / 357 of 71,132; the rest spread evenly)."""

DECIDER = {
    "social_insurance": "01.BHXH",
    "police_papers": "commune",
    "driving_licence": "01.CA",
    "judicial_record": "01.STP",
    "land": "commune",
    "civil_status": "commune",
    "business_registration": "01.STC",
    "other": "commune",
}
"""Who decides each procedure: a city-level body, or the commune of the applicant's home (ID papers at the
commune police, land and civil status at the commune since the 2025 reform) — assumptions."""

WORKING_DAYS = {
    "social_insurance": 5,
    "police_papers": 7,
    "driving_licence": 5,
    "judicial_record": 10,
    "land": 10,
    "civil_status": 3,
    "business_registration": 3,
    "other": 5,
}
"""Working days from reception to the appointment date, per procedure (assumption; judicial records: 10 days by
the Law on Judicial Records art. 48)."""

CHANNELS = {"counter": 0.75, "online": 0.20, "home_pickup": 0.05}
"""How dossiers reach the post (assumption: most at the counter; home pickup for priority groups only)."""

RETURN_TO_ADDRESS = 0.7
"""Share of results brought to the citizen's door (assumption; the service exists for it)."""

CANCELLED = 0.01
"""Share of dossiers withdrawn before a decision (assumption)."""

INSURED_VND = {"land": 5_000_000, "business_registration": 2_000_000}
"""Insured value of a dossier, VND (assumption: 500,000 unless listed)."""

OFFICE = ((time(8, 0), time(11, 30)), (time(13, 30), time(17, 0)))
"""Office hours (CONTEXT.md: ward committees 08:00-11:30 and 13:30-17:00 on weekdays)."""

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
FAMILY_SHARE = [0.38, 0.11, 0.095, 0.07, 0.051, 0.05, 0.045, 0.039, 0.03, 0.021, 0.02, 0.014, 0.013, 0.013]
"""Common Vietnamese family names and their approximate shares (normalised when drawn)."""
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Thu", "Hữu", "Quang", "Thanh", "Xuân"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Hà", "Hải", "Hùng", "Hương", "Lan", "Linh", "Mai", "Nam", "Phương", "Quân"]
GIVEN += ["Sơn", "Thảo", "Trang", "Tuấn", "Vy", "Yến", "Long", "Hoa", "Khánh", "Giang"]


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` synthetic Vietnamese full names, family name first ("Nguyễn Văn An"), drawn from ``rng``."""
    family = rng.choice(FAMILY, size=n, p=np.array(FAMILY_SHARE) / sum(FAMILY_SHARE))
    middle, given = rng.choice(MIDDLE, size=n), rng.choice(GIVEN, size=n)
    return [f"{f} {m} {g}" for f, m, g in zip(family, middle, given, strict=True)]


def quarter_days(quarter: str) -> list[date]:
    """Working days of a quarter written ``2026Q1`` (weekdays that are not Vietnamese public holidays)."""
    hit = re.fullmatch(r"(\d{4})Q([1-4])", quarter)
    if hit is None:
        raise InputError(f"--quarter: expected YEARQn such as 2026Q1, got {quarter!r}")
    year, q = int(hit[1]), int(hit[2])
    start = date(year, 3 * q - 2, 1)
    end = date(year + (q == 4), (3 * q) % 12 + 1, 1)
    days = (start + timedelta(days=i) for i in range((end - start).days))
    return [d for d in days if hours.is_working_day(d)]


def _office_time(rng: np.random.Generator, day: date) -> datetime:
    minutes = rng.integers(0, 210 + 210)
    start = OFFICE[0][0] if minutes < 210 else OFFICE[1][0]
    moment = datetime.combine(day, start, hours.HANOI) + timedelta(minutes=int(minutes % 210))
    return moment + timedelta(seconds=int(rng.integers(0, 60)))


def simulate(
    amap: AddressMap, quarter: str, *, seed: int = 1, count: int | None = None, until: datetime | None = None
) -> list[dict]:
    """The feed records of a synthetic quarter, in time order (a dossier before its events).

    Parameters
    ----------
    amap
        The map: agencies, households (applicants' homes) and wards.
    quarter
        ``2026Q1`` and so on.
    seed
        Seed of every draw.
    count
        Dossiers in the quarter (:data:`PER_QUARTER` when omitted).
    until
        Decisions and cancellations after this are left out: the end of the quarter when omitted (the feed the
        portal had sent by then). A later time gives the decisions of the quarter's last dossiers taken in the
        next quarter, as a store kept across quarters has them.

    Returns
    -------
    list of dict
        ``{"type": "dossier", ...}`` and ``{"type": "event", ...}`` records, each with ``"synthetic": true``.
    """
    days = quarter_days(quarter)
    n = PER_QUARTER if count is None else count
    if n < 1:
        raise InputError(f"--count must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    units = authorities.communes()
    ward_code = authorities.ward_codes(amap, units)
    homes = amap.layers.households[amap.layers.households["ward_id"].isin(ward_code)].reset_index(drop=True)
    priority = homes.index[(homes["meritorious"] + homes["social_protection"]) > 0].to_numpy()
    agencies = amap.agencies.reset_index(drop=True)
    lat0 = np.radians(float(homes.geometry.y.mean()))

    def xy(frame: pd.DataFrame) -> np.ndarray:
        return np.column_stack([frame.geometry.x.to_numpy() * np.cos(lat0), frame.geometry.y.to_numpy()])

    tree = cKDTree(xy(agencies))
    procedures = rng.choice(list(MIX), size=n, p=np.array(list(MIX.values())) / sum(MIX.values()))
    channels = rng.choice(list(CHANNELS), size=n, p=list(CHANNELS.values()))
    home_rows = rng.integers(0, len(homes), size=n)
    pickup = channels == "home_pickup"
    home_rows[pickup] = rng.choice(priority, size=int(pickup.sum()))
    _, near = tree.query(xy(homes.iloc[home_rows]), k=min(3, len(agencies)))
    near = np.atleast_2d(near)
    agency_rows = near[np.arange(n), rng.integers(0, near.shape[1], size=n)]
    day_index = np.sort(rng.integers(0, len(days), size=n))
    names = person_names(rng, n)
    phones = rng.integers(0, 10**8, size=n)
    to_address = rng.random(n) < RETURN_TO_ADDRESS
    cancelled = rng.random(n) < CANCELLED
    early = rng.integers(0, 2, size=n)
    lat, lon = homes.geometry.y.to_numpy().round(6), homes.geometry.x.to_numpy().round(6)
    ward_ids, wards = homes["ward_id"].to_numpy(), homes["ward"].to_numpy()
    group = np.where(
        homes["meritorious"].to_numpy() > 0,
        "meritorious",
        np.where(homes["social_protection"].to_numpy() > 0, "social_protection", "none"),
    )
    agency_ids = agencies["agency_id"].astype(str).to_numpy()
    last = until if until is not None else datetime.combine(days[-1], time(23, 59), hours.HANOI)
    records: list[tuple[datetime, int, dict]] = []
    for i in tqdm(range(n), desc="simulate", unit="dossier", disable=None, leave=False):
        h = home_rows[i]
        procedure = str(procedures[i])
        received = _office_time(rng, days[day_index[i]])
        due = hours.working_day_after(received.date(), WORKING_DAYS[procedure])
        code = f"{quarter}-{i + 1:06d}"
        decider = DECIDER[procedure]
        dossier = {
            "type": "dossier",
            "code": code,
            "procedure": procedure,
            "received_at": received.isoformat(),
            "agency_id": agency_ids[agency_rows[i]],
            "authority_code": ward_code[ward_ids[h]] if decider == "commune" else decider,
            "channel": str(channels[i]),
            "return_mode": "address" if to_address[i] else "agency",
            "due_date": due.isoformat(),
            "insured_value": INSURED_VND.get(procedure, 500_000),
            "applicant": {
                "name": names[i],
                "phone": f"09{phones[i]:08d}",
                "address": f"Số {1 + i % 199} ngõ {1 + (i * 7) % 397}, {wards[h]} (địa chỉ tổng hợp)",
                "lat": float(lat[h]),
                "lon": float(lon[h]),
                "priority_group": str(group[h]),
            },
            "synthetic": True,
        }
        records.append((received, 0, dossier))
        if cancelled[i]:
            what, at = "cancelled", received + timedelta(days=1, hours=1)
        else:
            # Decided on the appointment date or the working day before, never within 4 hours of reception.
            decided_on = due if not early[i] else hours.working_day_before(due)
            what, at = "decided", max(_office_time(rng, decided_on), received + timedelta(hours=4))
        if at <= last:
            change = {"type": "event", "code": code, "event": what, "at": at.isoformat(), "synthetic": True}
            records.append((at, 1, change))
    records.sort(key=lambda r: (r[0].astimezone(UTC), r[1]))
    log.info("simulated %s: %d dossiers, %d records", quarter, n, len(records))
    return [r for _, _, r in records]


def write(path: Path, records: list[dict]) -> int:
    """Write records as JSON Lines (UTF-8); returns the number of lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(records)
