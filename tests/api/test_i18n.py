"""Pages and API messages: Vietnamese by default, English by switch or Accept-Language, one catalogue each."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import get_args

import pytest
from starlette.requests import Request

from api import deps, errors, i18n
from geo import agencies
from ops import dossiers
from tests.api.conftest import DISPATCHER

ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "api"


def _keys(node: dict, prefix: str = "") -> set[str]:
    out: set[str] = set()
    for key, value in node.items():
        out |= _keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
    return out


def test_catalogues_hold_the_same_keys_and_fields() -> None:
    vi, en = i18n.catalogue("vi"), i18n.catalogue("en")
    assert _keys(vi) == _keys(en)
    for key in _keys(vi):
        if key.startswith(("errors.", "unserved.")) and i18n.text("en", key) == "{detail}":
            continue  # said in English by the layer below the API (api.i18n)
        fields = [set(re.findall(r"\{(\w+)\}", i18n.text(lang, key))) for lang in ("vi", "en")]
        assert fields[0] == fields[1], key


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_no_key_of_a_catalogue_is_written_twice(lang: str) -> None:
    # JSON keeps the last of two equal keys: the first text would be silently lost (errors.unknown_place was
    # written twice, and the citizens' message said the dispatchers' words).
    def once(pairs: list[tuple[str, object]]) -> dict[str, object]:
        keys = [key for key, _ in pairs]
        assert len(keys) == len(set(keys)), sorted({key for key in keys if keys.count(key) > 1})
        return dict(pairs)

    json.loads((API / "i18n" / f"{lang}.json").read_text(encoding="utf-8"), object_pairs_hook=once)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_words_of_a_section_are_its_texts(lang: str) -> None:
    # Every dossier state in words, as text() says each; nothing for a key the catalogue lacks or a text.
    states = i18n.words(lang, "tracking.state")
    assert set(states) == set(dossiers.STATES)
    assert all(said == i18n.text(lang, f"tracking.state.{state}") for state, said in states.items())
    assert i18n.words(lang, "tracking.nothing") == {} and i18n.words(lang, "errors.off_map") == {}


def test_every_text_the_pages_use_is_in_the_catalogue() -> None:
    keys = _keys(i18n.catalogue("vi"))
    used = set()
    for script in (API / "static" / "js").glob("*.js"):
        used |= set(re.findall(r'\bt\("([a-z_]+\.[a-z_]+)"', script.read_text(encoding="utf-8")))
    for page in (API / "pages").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        name = page.stem
        used |= {f"page.{name}.{m}" for m in re.findall(r"\bp\.(\w+)", text)} if name != "base" else set()
        used |= {m for m in re.findall(r"\bt\.([a-z_]+\.[a-z_]+)\b(?!\()", text)}
    assert used, "no text keys found"
    missing = {k for k in used if k not in keys and not any(x.startswith(k + ".") for x in keys)}
    assert not missing


@pytest.mark.parametrize(
    ("header", "lang"),
    [(None, "vi"), ("en-US,en;q=0.9", "en"), ("vi-VN,vi;q=0.9,en;q=0.8", "vi"), ("fr, en;q=0.5", "en"), ("fr", "vi"),
     ("en;q=0.2, vi;q=0.8", "vi"), ("vi;q=0, en", "en"), ("*;q=x", "vi")],
)  # fmt: skip
def test_accept_language(header: str | None, lang: str) -> None:
    assert (i18n.from_accept_language(header) or i18n.DEFAULT) == lang


@pytest.mark.parametrize(
    ("query", "headers", "lang"),
    [
        (b"", [], "vi"),
        (b"phone_last4=1234", [(b"accept-language", b"en-GB,en;q=0.9")], "en"),
        # The cookie before Accept-Language, in whichever order the headers come; a cookie of another name is none.
        (b"", [(b"accept-language", b"en"), (b"cookie", b"theme=dark; lang=vi")], "vi"),
        (b"", [(b"cookie", b"lang=en"), (b"accept-language", b"vi")], "en"),
        (b"", [(b"cookie", b"slang=en"), (b"accept-language", b"vi")], "vi"),
        # ?lang= before both; an unknown one is none.
        (b"q=x&lang=en", [(b"cookie", b"lang=vi"), (b"accept-language", b"vi")], "en"),
        (b"lang=fr", [(b"accept-language", b"en")], "en"),
    ],
)
def test_the_language_of_a_request(query: bytes, headers: list[tuple[bytes, bytes]], lang: str) -> None:
    request = Request({"type": "http", "method": "GET", "path": "/", "query_string": query, "headers": headers})
    assert i18n.negotiate(request) == lang


@pytest.mark.parametrize("route", ["/", "/dispatch", "/planning", "/signin"])
def test_pages_are_vietnamese_by_default(client, route: str) -> None:
    page = client.get(route)
    assert page.status_code == 200 and page.headers["content-language"] == "vi"
    assert '<html lang="vi">' in page.text
    english = client.get(route, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text
    vi_heading = re.search(r"<h1>(.*?)</h1>", page.text)[1]
    en_heading = re.search(r"<h1>(.*?)</h1>", english.text)[1]
    assert vi_heading != en_heading and vi_heading == i18n.text("vi", f"page.{_page(route)}.title")


def _page(route: str) -> str:
    return {"/": "citizens", "/dispatch": "dispatch", "/planning": "planning", "/signin": "signin"}[route]


def test_language_switch_is_remembered(client) -> None:
    switched = client.get("/", params={"lang": "en"})
    assert '<html lang="en">' in switched.text and switched.cookies.get("lang") == "en"
    # The test client keeps the cookie: the other pages and the API's messages follow the switch.
    assert '<html lang="en">' in client.get("/planning").text
    message = client.get("/agencies/nearest", params={"lat": 21.5, "lon": 105.85}).json()["detail"][0]["message"]
    assert message.startswith("Point (")
    client.get("/", params={"lang": "vi"})
    client.cookies.clear()


def test_errors_carry_a_stable_reason_beside_the_message(client) -> None:
    off = client.get("/agencies/nearest", params={"lat": 21.5, "lon": 105.85}).json()["detail"][0]
    assert off["field"] == "lat,lon" and off["reason"] == "off_map" and off["message"].startswith("Điểm (21.500000")
    missing = client.get("/agencies/nearest", params={"lat": 21.03}).json()["detail"][0]
    assert (missing["field"], missing["reason"], missing["message"]) == ("lon", "missing", "Thiếu trường bắt buộc")
    low = client.get("/agencies/nearest", params={"lat": 21.03, "lon": 105.85, "k": 0}).json()["detail"][0]
    assert (low["reason"], low["message"]) == ("greater_than_equal", "Phải lớn hơn hoặc bằng 1")
    english = client.get(
        "/agencies/nearest", params={"lat": 21.03, "lon": 105.85, "k": 0}, headers={"Accept-Language": "en"}
    )
    assert english.json()["detail"][0] == {
        "field": "k",
        "reason": "greater_than_equal",
        "message": "Must be greater than or equal to 1",
    }
    blank = client.get("/search", params={"q": "  ?  "}).json()["detail"][0]
    assert (blank["reason"], blank["message"]) == ("string_pattern_mismatch", "Hãy nhập chữ hoặc số để tìm")
    unauthorized = client.get("/coverage").json()["detail"][0]
    assert (unauthorized["reason"], unauthorized["message"]) == (
        "sign_in_needed",
        "Cần đăng nhập hoặc mã truy cập (Authorization: Bearer ...)",
    )
    bad_token = client.get("/coverage", headers={"Authorization": "Bearer nobody-knows-this"}).json()["detail"][0]
    assert (bad_token["reason"], bad_token["message"]) == ("unknown_token", "Mã truy cập không hợp lệ")
    # The roles an endpoint takes, in words.
    other_role = client.get("/coverage", headers={"Authorization": f"Bearer {DISPATCHER}"}).json()["detail"][0]
    assert (other_role["reason"], other_role["message"]) == (
        "role_needed",
        "Chức năng này dành cho vai trò: cán bộ quy hoạch",
    )
    # A body that is no JSON: the body, from where it stops being JSON (it said field "[1]", FastAPI's position).
    broken = client.post(
        "/plans",
        content=b'{"generate": 5,,}',
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {DISPATCHER}"},
    )
    assert broken.status_code == 422
    assert broken.json()["detail"][0] == {
        "field": "body",
        "reason": "json_invalid",
        "message": "Nội dung không phải JSON hợp lệ (từ ký tự thứ 16)",
    }
    unknown = client.get("/no/such/page").json()["detail"][0]
    # The path asked, in words: it said Starlette's "Not Found" inside the Vietnamese ("Không tìm thấy: Not Found").
    assert (unknown["reason"], unknown["message"]) == ("no_such_path", "Không có trang hay địa chỉ API /no/such/page")


_RAISED = ("FieldError", "UnknownError", "ConflictError", "TransitionError", "IdempotencyError")
"""The operations layer's errors the API answers (api.errors): each raised with a message code."""


def _calls(folder: Path, *, raised: bool = False) -> list[tuple[str, ast.Call]]:
    """Every call under ``folder`` (only those raised, ``raise SomeError(...)``, when ``raised``), with where."""
    out = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            call = (node.exc if isinstance(node, ast.Raise) else None) if raised else node
            if isinstance(call, ast.Call):
                out.append((f"{path.relative_to(ROOT)}:{call.lineno}", call))
    return out


def test_errors_raised_below_the_api_have_their_message_in_each_language() -> None:
    # The API says an error of a lower layer in the reader's language from its code and fields: every code given
    # (to an error raised or gathered) is in the catalogues, with no field the error does not give; the operations
    # layer's errors raised all have one.
    for where, call in _calls(ROOT / "ops", raised=True):
        if isinstance(call.func, ast.Name) and call.func.id in _RAISED:
            assert any(k.arg == "code" for k in call.keywords), f"{where}: {call.func.id} without a message code"
    coded = 0
    for where, call in _calls(ROOT / "ops") + _calls(ROOT / "geo"):
        if not (isinstance(call.func, ast.Name) and call.func.id.endswith("Error")):
            continue
        keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
        if "code" not in keywords:
            continue
        assert isinstance(keywords["code"], ast.Constant | ast.IfExp), where
        codes = (
            [keywords["code"]]
            if isinstance(keywords["code"], ast.Constant)
            else [keywords["code"].body, keywords["code"].orelse]
        )
        for code in codes:
            assert isinstance(code, ast.Constant), where
            for lang in i18n.LANGUAGES:
                template = i18n.catalogue(lang)["errors"].get(code.value)
                assert template is not None, f"{where}: no errors.{code.value} in {lang}.json"
                named = set(re.findall(r"\{(\w+)\}", template)) - {"detail"}
                assert named <= set(keywords) - {"code"}, f"{where}: errors.{code.value} ({lang}) names {named}"
            coded += 1
    assert coded >= 30


def test_every_reason_for_leaving_a_task_out_is_said_in_each_language() -> None:
    # Why a task or a dossier is left out of a plan (routing.plan.Reason), said on the pages from its code.
    made = [
        (where, call)
        for folder in ("routing", "ops")
        for where, call in _calls(ROOT / folder)
        if isinstance(call.func, ast.Name) and call.func.id == "Reason" and not where.startswith("routing/plan.py")
    ]  # routing.plan, where Reason is, only passes reasons on
    assert len(made) >= 14
    for where, call in made:
        code = call.args[1] if len(call.args) > 1 else None
        assert isinstance(code, ast.Constant), f"{where}: a Reason's code is a constant"
        for lang in i18n.LANGUAGES:
            template = i18n.catalogue(lang)["unserved"].get(code.value)
            assert template is not None, f"{where}: no unserved.{code.value} in {lang}.json"
            if len(call.args) > 2 and isinstance(call.args[2], ast.Dict):
                given = {k.value for k in call.args[2].keys if isinstance(k, ast.Constant)}
                assert set(re.findall(r"\{(\w+)\}", template)) - {"detail"} <= given, f"{where}: {code.value}"


def test_every_pattern_the_api_checks_is_said_in_words(client) -> None:
    # A value refused by a pattern is told what is expected, never shown the regular expression.
    def patterns(node: object) -> set[str]:
        if isinstance(node, dict):
            own = {node["pattern"]} if isinstance(node.get("pattern"), str) else set()
            return own.union(*(patterns(v) for v in node.values()))
        return set().union(*(patterns(v) for v in node)) if isinstance(node, list) else set()

    checked = patterns(client.get("/openapi.json").json())
    assert len(checked) >= 6 and checked <= set(errors.PATTERNS)
    for key in errors.PATTERNS.values():
        assert i18n.has(f"errors.{key}")


def test_one_vocabulary_of_procedures_named_in_each_language() -> None:
    # The procedures an agency accepts are those a dossier has: the filter of the citizens' page, the staff's
    # look-up and the quarter's report name the same codes in the same words.
    assert dossiers.PROCEDURES is agencies.PROCEDURES
    for lang in i18n.LANGUAGES:
        assert set(i18n.catalogue(lang)["procedure"]) == set(agencies.PROCEDURES), lang


def test_an_unnamed_agency_is_called_by_its_kind_in_the_pages_words() -> None:
    # The map's names are Vietnamese; an agency OSM leaves unnamed is named with the Vietnamese word of its kind.
    kinds = i18n.catalogue("vi")["kind"]
    assert {kind: kinds[kind] for kind in agencies.NAMELESS} == agencies.NAMELESS


@pytest.mark.parametrize(
    ("lang", "level", "said"),
    [
        ("vi", "commune", "UBND Phường Nghĩa Đô"),
        ("en", "commune", "People's Committee of Phường Nghĩa Đô"),
        ("vi", "city", "Phường Nghĩa Đô"),
        # A level a CSV import gives ("province", "other"): the unit by its name. It was said as the catalogue's
        # key, "tracking.authority.other", in a dossier's journey and its tracking.
        ("vi", "other", "Phường Nghĩa Đô"),
        ("en", "province", "Phường Nghĩa Đô"),
    ],
)
def test_a_deciding_unit_is_said_by_its_level(lang: str, level: str, said: str) -> None:
    assert i18n.unit(lang, "Phường Nghĩa Đô", level) == said


_KEY_AFTER = re.compile(r"\s*([A-Za-z_$][\w$]*)\s*[:,}]")


def _object_keys(source: str, start: int) -> set[str] | None:
    """The keys of the JavaScript object literal that opens at ``source[start]`` (its own, not those of objects
    within it); None when it spreads another object into it. Written by hand: the tests have no JavaScript parser,
    and the pages' literals need only strings, template literals and brackets followed."""
    keys: set[str] = set()
    stack: list[str] = []
    i = start
    while True:
        c = source[i]
        if stack and stack[-1] == "`":  # inside a template literal: only its end and its ${...} matter
            if c == "\\":
                i += 2
                continue
            if c == "`":
                stack.pop()
            elif source.startswith("${", i):
                stack.append("${")
                i += 1
        elif c in "'\"":
            i += 1
            while source[i] != c:
                i += 2 if source[i] == "\\" else 1
        elif c in "`([{":
            stack.append(c)
        elif c in ")]}":
            stack.pop()
            if not stack:
                return keys
        if stack == ["{"] and c in "{,":
            if source[i + 1 :].lstrip().startswith("..."):
                return None
            named = _KEY_AFTER.match(source, i + 1)
            if named:
                keys.add(named[1])
        i += 1


def test_the_scripts_fill_in_each_field_of_the_texts_they_say() -> None:
    # A script's t("js.key", {fields}) gives exactly the fields the text names: a field not given is shown as
    # "{said}" on the page, and one the text does not name is another text's (the planners' "js.gap" was taken
    # by the dispatchers' list of units and said "({said}: {n} hồ sơ đang mở)" under the scenario's totals).
    checked = 0
    for script in sorted((API / "static" / "js").glob("*.js")):
        source = script.read_text(encoding="utf-8")
        for call in re.finditer(r'\bt\("(js\.[a-z_]+)"\s*(\)|,\s*\{)', source):
            given = set() if call[2] == ")" else _object_keys(source, call.end() - 1)
            if given is None:
                continue
            where = f"{script.name}:{source.count(chr(10), 0, call.start()) + 1} {call[1]}"
            for lang in i18n.LANGUAGES:
                assert set(re.findall(r"\{(\w+)\}", i18n.text(lang, call[1]))) == given, f"{where} ({lang})"
            checked += 1
    assert checked >= 100


def test_the_map_pages_take_the_languages_of_the_catalogues() -> None:
    # The lang query of the map pages is a Literal written out: it must follow the catalogues.
    answer, _none = get_args(get_args(deps.LangQuery)[0])
    assert get_args(answer) == i18n.LANGUAGES
