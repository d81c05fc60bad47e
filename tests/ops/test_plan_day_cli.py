"""``agencynet plan-day``: the ``--json`` of a day planned from the store, and bad input in one line, exit 2."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from api.cli import main
from geo.addressmap import AddressMap
from ops import database, records
from tests.ops import daycases


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_plan_day_json(capsys: pytest.CaptureFixture[str], tmp_path: Path, hanoi: AddressMap) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    engine = database.connect(url)
    daycases.seed(engine, hanoi)
    engine.dispose()
    day = daycases.DAY.isoformat()
    code, out, _ = _run(capsys, "plan-day", "--date", day, "--time-limit", "2", "--json", "--database", url)
    assert code == 0
    answer = json.loads(out)
    assert set(answer) == {"date", "tasks", "dossiers", "served_dossiers", "unserved", "routes", "check", "balance"}
    assert answer["date"] == day and answer["check"] and answer["dossiers"] == 9
    served = {c for r in answer["routes"] for s in r["stops"] for c in s["dossiers"]}
    assert len(served) == answer["served_dossiers"] == 9 - len(answer["unserved"])
    # In words, each route headed by the postman's full name and account.
    code, out, _ = _run(capsys, "plan-day", "--date", day, "--time-limit", "1", "--database", url)
    assert code == 0 and f"\n  {daycases.POSTMAN_NAME} (binh): " in out
    assert " applicant's address (HOME): HOME\n" in out and "address:" not in out
    assert "balanced" not in out
    # Each stop at an agency or authority says the number of its visit's record, to sign there, as the sheet prints it.
    stops = [line for line in out.splitlines() if line.startswith("    ")]
    marked = [re.search(r" \(record (BBGN-\d{8}-\d{4})\)$", line) for line in stops]
    assert [m is None for m in marked] == ["applicant's address" in line for line in stops]
    engine = database.connect(url)
    issued = {r["no"] for r in records.of_day(engine, daycases.DAY) if r["status"] == "issued"}
    engine.dispose()
    assert {m[1] for m in marked if m} == issued and issued
    # Balanced, the line under the figures says when the last postman is back, beside the cheapest plan.
    code, out, _ = _run(capsys, "plan-day", "--date", day, "--time-limit", "2", "--balanced", "--database", url)
    said = out.splitlines()[1]
    assert code == 0 and said.startswith("  balanced: the last postman back at ")
    assert " VND (cheapest plan: back at " in said
    # On a Sunday the offices are closed: each dossier waits, its office named beside its id.
    code, out, _ = _run(capsys, "plan-day", "--date", "2026-02-08", "--time-limit", "1", "--database", url)
    assert code == 0 and "\n  unserved S-0: delivery place 'osm:" in out
    assert "' is closed all day (Bảo hiểm xã hội thành phố Hà Nội)\n" in out
    postmen = tmp_path / "postmen.json"
    postmen.write_text(json.dumps([{"id": "x", "depot": "osm:node/1"}]))
    for argv, message in [
        (("--date", "2026-02-30"), "--date: expected YYYY-MM-DD"),
        (("--date", day, "--postmen", str(tmp_path / "none.json")), "no such postmen file"),
        (("--date", day, "--postmen", str(postmen)), "postmen[0].depot: unknown agency 'osm:node/1'"),
        (("--date", day, "--time-limit", "0"), "--time-limit must be positive"),
        (("--date", day, "--from", "9h30"), "--from: expected HH:MM, got '9h30'"),
        (("--date", day, "--from", "18:00"), f"every shift of {day} is over at 18:00: plan another day"),
    ]:
        code, out, err = _run(capsys, "plan-day", *argv, "--database", url)
        assert (code, out) == (2, "") and message in err and err.count("\n") == 1
