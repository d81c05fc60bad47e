"""A postman's route sheet for the day, to print: every stop in order with its time, window, what is done there,
where, the dossiers, and a column for the signature or the number of the handover record, one A4 page per
postman. A postman takes it along should his phone fail, and it holds the day's handovers on paper (Circular
17/2017 asks for a signed record of each); what was already recorded is filled in. The handover records the system
numbered for his visits to agencies and authorities (:mod:`ops.records`) follow his sheet, one A4 page each, for
him and the agency's or authority's officer to sign.

The postman's own sheet names the applicants at their doors (personal data, as his page does, each read logged);
the dispatcher's says only that a stop is an applicant's home.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

from api import i18n, templates
from ops import report

STYLE = (Path(__file__).parent / "static" / "css" / "sheet.css").read_text(encoding="utf-8")
"""The sheet's style, carried in the page: a dispatcher signed in by a token opens the page fetched (a blob, which
links nothing of the service), and a sheet saved as a file prints the same."""


def _place(stop: dict, texts: dict, agencies: Mapping[str, dict]) -> str:
    """Where a stop is, in words: the applicant and the address at a door (for the postman), else the place's name
    and its address where the map has one."""
    words = texts["sheet"]
    if stop["place"].startswith("address:"):
        if not stop.get("address"):
            return words["applicant_home"]
        who = ", ".join(filter(None, (stop.get("applicant_name"), stop.get("phone"))))
        return f"{stop['address']} ({who})" if who else stop["address"]
    where = agencies.get(stop["place"].removeprefix("depot:"), {}).get("address")
    return ", ".join(filter(None, (stop["name"] or stop["place"], where)))


def _what(stop: dict, texts: dict) -> str:
    """What is done at a stop: its kind in words, and at a door a try after a failed one."""
    said = texts["kind"].get(stop["kind"], stop["kind"])
    if (stop.get("door_try") or 1) > 1:
        said += " · " + texts["sheet"]["door_try"].format(n=stop["door_try"])
    return said


def _recorded(stop: dict, texts: dict) -> str:
    """What was recorded at a settled stop ("Đã xong 09:40 · BB-0204-7"); for a stop at an agency or authority still
    to do the number of its visit's record, to sign; blank otherwise, to sign."""
    recorded = stop.get("recorded")
    if recorded is None:
        no = stop.get("handover_record")
        return texts["handover"]["to_sign"].format(no=no) if no else ""
    words = texts["sheet"]
    said = [words["failed" if stop["status"] == "failed" else "done"].format(at=recorded["at"])]
    if recorded.get("record_no"):
        said.append(recorded["record_no"])
    if recorded.get("signer"):
        said.append(texts["signer"].get(recorded["signer"], recorded["signer"]))
    if recorded.get("reason_code"):
        said.append(texts["failure"].get(recorded["reason_code"], recorded["reason_code"]))
    return " · ".join(said)


def _hours(seconds: int, lang: str) -> str:
    """A driving time as people say it: "2 giờ 05 phút", "2 h 05 min"."""
    minutes = round(seconds / 60)
    return i18n.text(lang, "sheet.driving", hours=minutes // 60, minutes=f"{minutes % 60:02d}")


def _records(
    route: dict, on: str, texts: dict, agencies: Mapping[str, dict], procedures: Mapping[str, str]
) -> list[dict]:
    """The handover records of a route on day ``on`` (:mod:`ops.records`), one for each visit to an agency or
    authority, in the route's order: where, the postman (party A) and the place (party B), the dossiers A hands over
    to B and those B hands over to A."""
    words = texts["handover"]
    office = _place(route["stops"][0], texts, agencies)  # the route starts at his post office
    postman = route.get("postman_name") or route["postman"]
    out: dict[str, dict] = {}
    for stop in route["stops"]:
        no = stop.get("handover_record")
        if not no:
            continue
        record = out.setdefault(
            no,
            {
                "no": no,
                "opening": words["opening"].format(date=on, place=_place(stop, texts, agencies)),
                "party_a": words["party_a_is"].format(postman=postman, office=office),
                "party_b": stop["name"] or stop["place"],
                "delivery": [],
                "pickup": [],
            },
        )
        for code in stop["dossiers"]:
            procedure = procedures.get(code, "")
            listed = {"code": code, "procedure": texts["procedure"].get(procedure, procedure)}
            record[stop["kind"]].append(listed)
    return [
        r
        | {
            "lists": [
                {"said": words[said].format(n=len(r[kind])), "dossiers": r[kind]}
                for kind, said in (("delivery", "a_to_b"), ("pickup", "b_to_a"))
                if r[kind]
            ]
        }
        for r in out.values()
    ]


def render(lang: str, day: dict, *, agencies: Mapping[str, dict], procedures: Mapping[str, str]) -> str:
    """The route sheets of ``day`` (:func:`ops.dayevents.live`, its routes those to print) as one HTML page.

    Parameters
    ----------
    lang
        The language of the page.
    day
        The day as it goes: its date, whether synthetic, and the routes, with the applicants' addresses, names and
        phones at their doors where the reader may see them.
    agencies
        The map's details of the agencies by id (:attr:`geo.addressmap.AddressMap.agency_details`): their
        addresses are said beside their names.
    procedures
        The procedure of each dossier handed over at an agency or authority: each postman's sheet is followed by
        the handover records of his visits (``handover_record`` of the stops), one page each, to sign there.
    """
    texts = i18n.catalogue(lang)
    words = texts["sheet"]
    on = date.fromisoformat(day["date"]).strftime(i18n.DAY_FORMAT)
    sheets = []
    for route in day["routes"]:
        stops = [s for s in route["stops"] if s["kind"] != "position"]  # where a re-plan found him: no stop
        rows = [
            {
                "seq": s["seq"],
                "time": s["arrival"] if s["arrival"] == s["departure"] else f"{s['arrival']}–{s['departure']}",
                # When he came, as his phone said it; blank on paper, to write by hand.
                "arrived": s.get("arrived") or "",
                "window": s["window"].replace("-", "–"),
                "what": _what(s, texts),
                "place": _place(s, texts, agencies),
                "dossiers": ", ".join(s["dossiers"]),
                "recorded": _recorded(s, texts),
                "task": bool(s["task"]),
            }
            for s in stops
        ]
        summary = words["summary"].format(
            shift=(route.get("shift") or "–").replace("-", "–"),
            stops=sum(row["task"] for row in rows),
            km=report.number(route["distance_m"] / 1000, texts, 1),
            driving=_hours(route["travel_time_s"], lang),
        )
        postman = route.get("postman_name") or route["postman"]
        sheets.append(
            {
                "heading": words["of"].format(date=on, postman=postman),
                "summary": summary,
                "rows": rows,
                "records": _records(route, on, texts, agencies, procedures),
            }
        )
    return templates.PAGES.get_template("sheet.html").render(
        lang=lang,
        t=texts,
        s=words,
        h=texts["handover"],
        date=on,
        sheets=sheets,
        synthetic=day["synthetic"],
        style=STYLE,
    )
