"""Vietnam's provinces by every name an address may give them, to tell an address outside the map.

A citizen may type an address in another province ("12 Nguyễn Huệ, Quận 1, TP.HCM"); matched as words, it
would find a Hanoi street of the same name. The search reads the province apart and answers that the map does
not hold it (:meth:`geo.search.SearchIndex.elsewhere`).

Names: the 34 provinces of the official units list (``units_*.json`` in :func:`geo.paths.vietnam_dir`, since the
2025 reform), in Vietnamese and English; the 29 provinces merged into others on 12 June 2025
(:data:`MERGED`), which addresses written before still name; and what people call Ho Chi Minh City.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)

MERGED: dict[str, str] = {
    "Hà Giang": "Tuyên Quang",
    "Yên Bái": "Lào Cai",
    "Bắc Kạn": "Thái Nguyên",
    "Vĩnh Phúc": "Phú Thọ",
    "Hòa Bình": "Phú Thọ",
    "Bắc Giang": "Bắc Ninh",
    "Thái Bình": "Hưng Yên",
    "Hải Dương": "Hải Phòng",
    "Hà Nam": "Ninh Bình",
    "Nam Định": "Ninh Bình",
    "Quảng Bình": "Quảng Trị",
    "Quảng Nam": "Đà Nẵng",
    "Kon Tum": "Quảng Ngãi",
    "Bình Định": "Gia Lai",
    "Ninh Thuận": "Khánh Hoà",
    "Đắk Nông": "Lâm Đồng",
    "Bình Thuận": "Lâm Đồng",
    "Phú Yên": "Đắk Lắk",
    "Bình Dương": "Hồ Chí Minh",
    "Bà Rịa - Vũng Tàu": "Hồ Chí Minh",
    "Bình Phước": "Đồng Nai",
    "Long An": "Tây Ninh",
    "Sóc Trăng": "Cần Thơ",
    "Hậu Giang": "Cần Thơ",
    "Bến Tre": "Vĩnh Long",
    "Trà Vinh": "Vĩnh Long",
    "Tiền Giang": "Đồng Tháp",
    "Bạc Liêu": "Cà Mau",
    "Kiên Giang": "An Giang",
    "Thừa Thiên Huế": "Huế",
}
"""Provinces before the 2025 reform and the province each is part of since (Resolution 202/2025/QH15 of 12 June
2025 merged 52 provinces into 23; Thừa Thiên Huế became the city of Huế on 1 January 2025)."""

OTHER_NAMES: dict[str, str] = {
    "TP.HCM": "Hồ Chí Minh",
    "TPHCM": "Hồ Chí Minh",
    "HCM": "Hồ Chí Minh",
    "HCMC": "Hồ Chí Minh",
    "Sài Gòn": "Hồ Chí Minh",
}
"""What people write for a province besides its name."""

SHORTHANDS = frozenset({"tphcm", "hcm", "hcmc"})
"""Folded names that can only be a province, even at the end of an address without a comma or a kind."""


def names(vietnam_dir: Path) -> dict[str, str]:
    """Every name of a province (its name, English name, former provinces, :data:`OTHER_NAMES`) and the full
    name of the province it is now ("Vĩnh Phúc" -> "Tỉnh Phú Thọ").

    Parameters
    ----------
    vietnam_dir
        The folder of the units list; none there gives an empty mapping (no address is then told outside).
    """
    units = _units(vietnam_dir)
    if not units:
        log.info("no units list in %s: addresses in other provinces are not told apart", vietnam_dir)
        return {}
    full = {str(unit["Name"]): str(unit["FullName"]) for unit in units if unit.get("Type") == "province"}
    out = {name: full_name for name, full_name in full.items()}
    out |= {str(unit["NameEn"]): full[str(unit["Name"])] for unit in units if unit.get("Type") == "province"}
    out |= {old: full[new] for old, new in (MERGED | OTHER_NAMES).items() if new in full}
    return out


def unit_names(vietnam_dir: Path) -> list[str]:
    """The full names of the country's provinces and communes ("Tỉnh Phú Thọ", "Phường Ba Đình", "Xã Hát Môn"),
    as the units list writes them; empty without one."""
    return [
        str(unit["FullName"]) for province in _units(vietnam_dir) for unit in (province, *province.get("Wards", []))
    ]


def _units(vietnam_dir: Path) -> list[dict]:
    """The provinces of the latest units list in ``vietnam_dir``, each with its communes (``Wards``); empty
    without one."""
    found = sorted(vietnam_dir.glob("units_*.json"))
    return json.loads(found[-1].read_text(encoding="utf-8")) if found else []
