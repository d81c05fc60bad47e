"""Vietnam's provinces by every name an address gives them (geo.provinces), from the official units list."""

from __future__ import annotations

import json
from pathlib import Path

from geo import paths, provinces


def test_every_province_by_its_names_and_former_names() -> None:
    names = provinces.names(paths.vietnam_dir())
    units = json.loads(next(paths.vietnam_dir().glob("units_*.json")).read_text(encoding="utf-8"))
    full = {unit["FullName"] for unit in units}
    assert len(full) == 34 and set(names.values()) == full
    assert names["Hà Nội"] == names["Hanoi"] == "Thành phố Hà Nội"
    assert names["Vĩnh Phúc"] == names["Hòa Bình"] == names["Phú Thọ"] == "Tỉnh Phú Thọ"
    assert names["TP.HCM"] == names["Bình Dương"] == "Thành phố Hồ Chí Minh"
    # Each former province names a province of the list: a misspelt successor would silently drop it.
    assert all(old in names for old in provinces.MERGED)
    assert len(provinces.MERGED) == 30


def test_without_a_units_list_no_province_is_known(tmp_path: Path) -> None:
    assert provinces.names(tmp_path) == {}
