"""Write ``search_queries.csv``: real queries built from the central-Hanoi map, with their expected places.

Run once from the repository (``python -m tests.data.make_search_queries``); the CSV is kept in the tests so the
list does not move when the search changes. Seeded. Columns: ``query``, ``category``, ``expected`` (what the
first result must be within 50 m of: ``point`` at ``lon``/``lat``, or ``street``, any edge of the network
named ``street_name``), ``held_out`` (an address id the test index is built without, so that its house is
found only by interpolation along its street). Categories: ``street``, ``alley``, ``address``,
``interpolated``, ``agency``, ``ward``, ``written``, addresses as written on a form ("Số 15 Phố Hàng Bài,
Phường Hoàn Kiếm, Hà Nội"; the last 8 held out), ``typed``, addresses typed without commas, the area's kind left
out ("5 hang bai hoan kiem"; never an address another row asks for, the last 4 held out), ``slash``, alleys
written the Hanoi way ("ngách 35/462 Bưởi", "12/575 Kim Mã"), and ``initials``, addresses with their areas by
their initials ("15 Hàng Bài, Q.HK") or the house after "nhà" (chosen as ``typed``'s), and ``partial``, names
stopped partway through their last word as a citizen types them ("Tông Đ", "buu dien khuong m"). The
``written``, ``typed``, ``slash`` and ``initials`` rows were appended to the kept list later: regenerated
today, the rows before them would differ, since the map's agencies and numbered streets have changed since
(agencies OSM leaves unnamed are named, alley mouths number streets). The 13 ``landmark`` rows were written by
hand (session 23); the ``partial`` rows were appended with ``python -m tests.data.make_search_queries partial``,
then ``telex``, names and addresses typed in Telex with the input method off ("phoos hangf bacj"), with ``...
telex``.
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from geo import addressmap
from geo._text import fold
from geo.streets import Streets, house_base, street_key

OUT = Path(__file__).with_name("search_queries.csv")
TYPE = re.compile(r"^(Phố|Đường) ")


def _street_forms(name: str, i: int) -> str:
    bare = TYPE.sub("", name)
    abbreviated = name.replace("Đường ", "đ. " if i % 2 else "đg ").replace("Phố ", "p. ")
    return [name, fold(name), abbreviated, fold(bare), bare][i % 5]


def _initials(area: str) -> str:
    """The initials of an area's name without its kind, as addresses abbreviate it ("Quận Hoàn Kiếm" -> "HK")."""
    return "".join(word[0] for word in area.split()[1:] if word.isalpha()).upper()


def main() -> None:
    rng = np.random.default_rng(12)
    amap = addressmap.load()
    rows: list[dict[str, object]] = []

    def add(query: str, category: str, *, lon: float = np.nan, lat: float = np.nan, street: str = "", held: str = ""):
        expected = "street" if street else "point"
        rows.append({"query": query, "category": category, "expected": expected, "lon": round(lon, 7),
                     "lat": round(lat, 7), "street_name": street, "held_out": held})  # fmt: skip

    names = pd.Series([p.strip() for n in amap.network.edge_name for p in str(n).split(";") if p.strip()])
    lengths = names.value_counts()
    main_streets = sorted(n for n in lengths.index if TYPE.match(n) and lengths[n] >= 6)
    for i, name in enumerate(rng.choice(main_streets, 35, replace=False)):
        add(_street_forms(str(name), i), "street", street=str(name))
    alleys = sorted(n for n in lengths.index if re.match(r"^Ngõ \d+ \D", n))
    for i, name in enumerate(rng.choice(alleys, 20, replace=False)):
        text = str(name)
        add([text, fold(text), text.replace("Ngõ", "ng."), fold(text.replace("Đường ", "").replace("Phố ", ""))][i % 4],
            "alley", street=text)  # fmt: skip
    add("ngõ 186 đường bưởi", "alley", street="Ngõ 186 Đường Bưởi")

    addresses = amap.layers.addresses.copy()
    addresses["base"] = addresses["housenumber"].map(house_base)
    addresses["key"] = addresses["street"].map(street_key)
    streets = Streets.from_network(amap.network, addresses)
    known = set(streets.frame.loc[streets.frame["anchors"] >= 4, "key"])
    numbered = addresses[addresses["base"].notna() & addresses["key"].isin(known)]
    numbered = numbered.drop_duplicates(["key", "base"], keep=False)
    picked = numbered.sample(60, random_state=12)
    for i, (_, a) in enumerate(picked.iloc[:30].iterrows()):
        hn, st = str(a["housenumber"]), str(a["street"])
        text = [f"{hn} {st}", f"số {hn} {fold(st)}", f"sn {hn} {st}", f"{hn} {fold(st)}", f"so {hn} {st}"][i % 5]
        add(text, "address", lon=a.geometry.x, lat=a.geometry.y)
    for i, (_, a) in enumerate(picked.iloc[30:].iterrows()):
        hn, st = str(a["housenumber"]), str(a["street"])
        text = [f"{hn} {st}", f"so {hn} {fold(st)}", f"số nhà {hn} {st}"][i % 3]
        add(text, "interpolated", lon=a.geometry.x, lat=a.geometry.y, held=str(a["address_id"]))

    agencies = amap.agencies[amap.agencies["name"].str.len() > 0].drop_duplicates("name", keep=False)
    for i, (_, a) in enumerate(agencies.sample(12, random_state=12).iterrows()):
        name = str(a["name"])
        short = re.sub(r"(?i)^bưu điện", "BĐ", re.sub(r"(?i)^bưu cục", "bc", name))
        add([name, fold(name), short][i % 3], "agency", lon=a.geometry.x, lat=a.geometry.y)
    wards = amap.layers.wards
    on_map = wards[wards.intersects(amap.network.edges_frame().union_all().envelope)]
    for i, (_, w) in enumerate(on_map.sample(min(12, len(on_map)), random_state=12).iterrows()):
        name = str(w["name"])
        point = w.geometry.representative_point()
        add([name, fold(name), re.sub(r"^Phường ", "p. ", name)][i % 3], "ward", lon=point.x, lat=point.y)

    # Addresses as written on a form: street, then ward (since 2025) or district (before), city, country.
    districts = amap.layers.districts
    written = numbered.drop(picked.index).sample(24, random_state=7)
    written = written.sjoin(districts[["name", "geometry"]].rename(columns={"name": "district"}), how="left")
    for i, (_, a) in enumerate(written.iterrows()):
        hn, st, ward, district = str(a["housenumber"]), str(a["street"]), str(a["ward"]), str(a["district"])
        bare_ward, bare_district = (re.sub(r"^(Phường|Quận|Huyện) ", "", n) for n in (ward, district))
        text = [
            f"Số {hn} {st}, {ward}, Hà Nội",
            f"{hn} {fold(st)}, {fold(ward)}, ha noi",
            f"{hn} {st}, {district}, Thành phố Hà Nội, Việt Nam",
            f"so {hn} {fold(st)} {fold(district)} ha noi",
            f"{hn} {st}, {bare_ward}, {bare_district}, Hà Nội 100000",
            f"Số nhà {hn}, {st}, P. {bare_ward}, TP. Hà Nội",
        ][i % 6]
        held = str(a["address_id"]) if i >= 16 else ""
        add(text, "written", lon=a.geometry.x, lat=a.geometry.y, held=held)

    # The same, typed without commas, the area's kind left out ("5 hang bai hoan kiem"); the last 4 held out.
    asked = {(r["lon"], r["lat"]) for r in rows}
    if OUT.exists():  # rows were appended to the kept list: none may ask for an address it already has
        with OUT.open(encoding="utf-8") as kept:
            asked |= {(float(r["lon"]), float(r["lat"])) for r in csv.DictReader(kept) if r["category"] != "typed"}
    fresh = [(round(g.x, 7), round(g.y, 7)) not in asked for g in numbered.geometry]
    bare = numbered[fresh].sample(12, random_state=9)
    bare = bare.sjoin(districts[["name", "geometry"]].rename(columns={"name": "district"}), how="left")
    for i, (_, a) in enumerate(bare.iterrows()):
        hn, st = str(a["housenumber"]), str(a["street"])
        area = re.sub(r"^(Phường|Quận|Huyện) ", "", str(a["ward"] if i % 2 else a["district"]))
        forms = [f"{hn} {fold(st)} {fold(area)}", f"số {hn} {st} {area}", f"so {hn} {fold(st)} {fold(area)} ha noi"]
        text = forms[i % 3]
        add(text, "typed", lon=a.geometry.x, lat=a.geometry.y, held=str(a["address_id"]) if i >= 8 else "")

    # Addresses with their area by its initials ("Q.HK", "..., HBT, HN") or the house after "nhà"; never an address
    # another row asks for, the last 4 held out.
    asked |= {(round(g.x, 7), round(g.y, 7)) for g in bare.geometry}
    if OUT.exists():
        with OUT.open(encoding="utf-8") as kept:
            asked |= {(float(r["lon"]), float(r["lat"])) for r in csv.DictReader(kept) if r["category"] != "initials"}
    fresh = [(round(g.x, 7), round(g.y, 7)) not in asked for g in numbered.geometry]
    short = numbered[fresh].sjoin(districts[["name", "geometry"]].rename(columns={"name": "district"}), how="left")
    short = short[short["ward"].str.count(" ").ge(2) & short["district"].str.count(" ").ge(2)].sample(
        12, random_state=5
    )
    for i, (_, a) in enumerate(short.iterrows()):
        hn, st = str(a["housenumber"]), str(a["street"])
        ward, district = (_initials(str(a[column])) for column in ("ward", "district"))
        forms = [f"{hn} {st}, Q.{district}", f"số {hn} {fold(st)} p.{ward}", f"nhà {hn} {st}, {ward}, HN",
                 f"nha {hn} {fold(st)} q {district.lower()} ha noi"]  # fmt: skip
        add(forms[i % 4], "initials", lon=a.geometry.x, lat=a.geometry.y, held=str(a["address_id"]) if i >= 8 else "")

    # Alleys written the Hanoi way, innermost number first after slashes: "ngách 35/462 Bưởi", "số 12/575 Kim Mã".
    ngach = sorted(n for n in lengths.index if re.match(r"^Ngách \d+ Ngõ \d+ \D", n))
    for i, name in enumerate(rng.choice(ngach, 12, replace=False)):
        a, b, rest = re.match(r"^Ngách (\d+) Ngõ (\d+) (.*)$", str(name)).groups()
        bare_rest = TYPE.sub("", rest)
        forms = [f"ngách {a}/{b} {rest}", f"ngach {a}/{b} {fold(bare_rest)}", f"ng. {a}/{b} {bare_rest}",
                 f"số {1 + 2 * i}/{a}/{b} {rest}"]  # fmt: skip
        add(forms[i % 4], "slash", street=str(name))
    hem = sorted(n for n in lengths.index if re.match(r"^Hẻm \d+ Ngách \d+ Ngõ \d+ \D", n))
    for i, name in enumerate(rng.choice(hem, 4, replace=False)):
        a, b, c, rest = re.match(r"^Hẻm (\d+) Ngách (\d+) Ngõ (\d+) (.*)$", str(name)).groups()
        forms = [f"hẻm {a}/{b}/{c} {rest}", f"hem {a}/{b}/{c} {fold(TYPE.sub('', rest))}"]
        add(forms[i % 2], "slash", street=str(name))
    on_streets = [n for n in alleys if not re.match(r"^Ngõ \d+ (Ngõ|Ngách|Hẻm) ", n)]
    for i, name in enumerate(rng.choice(on_streets, 8, replace=False)):
        b, rest = re.match(r"^Ngõ (\d+) (.*)$", str(name)).groups()
        n = 2 + 3 * i
        add([f"{n}/{b} {rest}", f"so {n}/{b} {fold(TYPE.sub('', rest))}"][i % 2], "slash", street=str(name))

    for query, category, lon, lat, street in [*_partial(amap, main_streets), *_telex_rows(amap, main_streets)]:
        add(query, category, lon=lon, lat=lat, street=street)

    with OUT.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} queries -> {OUT}")


def _partial(amap: addressmap.AddressMap, main_streets: list[str]) -> list[tuple[str, str, float, float, str]]:
    """Queries stopped partway through their last word, as a citizen types: streets without their kind, agencies
    and landmarks, cut at the shortest beginning that no other name of the map (its records' labels, the streets'
    names without their kind) begins with, so that one place is meant; half with diacritics. Rows: query,
    category, lon, lat, street."""
    records = amap.search.records
    bare = {name: TYPE.sub("", name) for name in main_streets}
    folded = [fold(text) for text in [*amap.search.labels, *bare.values()]]

    def cut(name: str) -> str | None:
        words = name.split()
        if len(words) < 2 or len(words[-1]) < 3 or not fold(name).isascii():
            return None
        for size in range(1, len(words[-1])):
            typed = " ".join([*words[:-1], words[-1][:size]])
            if sum(f.startswith(fold(typed)) for f in folded) == 1:
                return typed
        return None

    rng = np.random.default_rng(21)
    out: list[tuple[str, str, float, float, str]] = []
    for name in rng.permutation(sorted(bare)):
        if (typed := cut(bare[str(name)])) and sum(row[4] != "" for row in out) < 8:
            out.append((typed if len(out) % 2 else fold(typed), "partial", np.nan, np.nan, str(name)))
    for kind, n in (("agency", 6), ("landmark", 6)):
        places = records[(records["kind"] == kind) & (records["name"].str.len() > 0)]
        taken = 0
        for _, r in places.sample(frac=1.0, random_state=21).iterrows():
            if (typed := cut(str(r["name"]))) and taken < n:
                out.append((typed if len(out) % 2 else fold(typed), "partial", r["lon"], r["lat"], ""))
                taken += 1
    return out


# Telex keys of the marks (NFD): tones typed after the word, a hook or breve as "w", a circumflex by doubling.
_TONE_KEYS = {"\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
_HOOKS = {"\u0306", "\u031b"}


def _telex(text: str) -> str:
    """``text`` as typed in Telex with the input method off, in lower case: "Phố Hàng Bạc" -> "phoos hangf bacj"."""
    words = []
    for word in text.lower().replace("đ", "dd").split():
        letters, tone = [], ""
        for char in unicodedata.normalize("NFD", word):
            if char in _TONE_KEYS:
                tone = _TONE_KEYS[char]
            elif char in _HOOKS:
                letters.append("w")
            elif char == "\u0302":
                letters.append(letters[-1])
            else:
                letters.append(char)
        words.append("".join(letters) + tone)
    return " ".join(words)


def _marked(text: str) -> bool:
    """Whether ``text`` is written with diacritics."""
    return "đ" in text.lower() or any(unicodedata.combining(char) for char in unicodedata.normalize("NFD", text))


def _telex_rows(amap: addressmap.AddressMap, main_streets: list[str]) -> list[tuple[str, str, float, float, str]]:
    """Streets, addresses and agencies typed in Telex with the input method off, as on a borrowed computer: 4
    each, their names written with diacritics. Rows: query, category, lon, lat, street."""
    rng = np.random.default_rng(24)
    marked = [name for name in main_streets if _marked(name)]
    out: list[tuple[str, str, float, float, str]] = [
        (_telex(str(name)), "telex", np.nan, np.nan, str(name)) for name in rng.choice(marked, 4, replace=False)
    ]
    addresses = amap.layers.addresses
    addresses = addresses[addresses["street"].fillna("").map(_marked)]
    for _, a in addresses.drop_duplicates(["housenumber", "street"], keep=False).sample(4, random_state=24).iterrows():
        out.append((_telex(f"{a['housenumber']} {a['street']}"), "telex", a.geometry.x, a.geometry.y, ""))
    agencies = amap.agencies[amap.agencies["name"].astype(str).map(_marked)]
    for _, a in agencies.drop_duplicates("name", keep=False).sample(4, random_state=24).iterrows():
        out.append((_telex(str(a["name"])), "telex", a.geometry.x, a.geometry.y, ""))
    return out


def append(category: str) -> None:
    """Append the rows of ``category`` (``partial`` or ``telex``) to the kept list (``python -m
    tests.data.make_search_queries partial``): the rows before them stay as kept."""
    amap = addressmap.load()
    names = pd.Series([p.strip() for n in amap.network.edge_name for p in str(n).split(";") if p.strip()])
    lengths = names.value_counts()
    main_streets = sorted(n for n in lengths.index if TYPE.match(n) and lengths[n] >= 6)
    rows = _partial(amap, main_streets) if category == "partial" else _telex_rows(amap, main_streets)
    with OUT.open("a", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        for query, kind, lon, lat, street in rows:
            expected = "street" if street else "point"
            writer.writerow([query, kind, expected, round(lon, 7), round(lat, 7), street, ""])


if __name__ == "__main__":
    append(sys.argv[1]) if sys.argv[1:] in (["partial"], ["telex"]) else main()
