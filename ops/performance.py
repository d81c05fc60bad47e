"""How the postmen's days went against their plans over a period: per postman and per day, the stops planned and
how each ended, whether it was made within its window and how far from the plan's time, and the roads planned.
What a dispatcher reads at the end of a week, as the driver reports of Onfleet or OptimoRoute give it
(completion, on-time share, planned against actual).

A day counts with its newest plan (a re-plan updates it: :func:`ops.day.stored`) and the stop events recorded
under it (:func:`ops.stopkeys.recorded`). A stop is the pickup or the delivery of a task on a postman's route, and
it ends as the day as it goes says (:func:`ops.dayevents.live`):

- ``done`` or ``failed`` by the event that settled it;
- ``after_failure``: the delivery of a task whose pickup failed, never visited (the failure is the pickup's);
- ``unsettled``: nothing recorded (a stop passed by, or the phone not used); a day still going counts its stops
  still to come here too.

A settled stop was made ``in_window`` when its event falls, that day, in one of the stop's windows (the time the
citizen asked for, else the place's hours that day: what the plan kept to); the stops at citizens' doors are also
counted apart (``door_``), as an office's hours are kept far more easily than a home's window. Its ``delay`` is the
event's time less the stop's planned departure (the plan expects the event when the service there ends), in minutes,
negative when early; an event recorded on another day than its plan's has none. An event recorded far from its stop
(:data:`ops.dayevents.FAR_M`) is counted ``far``.

Why a postman runs late is told by where his delay grows: how late his first timed stop of the day was
(``first_delay_median_min``: a late start, or a first leg longer than planned), and what each later leg added to it
(the delay at its stop less the delay at the timed stop before it on his route, so the leg's actual duration less
its planned one: travel, waiting and the service there), on average, apart for the legs ending at citizens' doors
(``door_added_min``: a door's service longer than planned) and at agencies and authorities (``office_added_min``).

How long a stop takes is measured where the postman said he came to it (``arrived``): a visit (his stops in a row at
one place, a citizen's door or an office) lasted from the first arrival recorded at its stops to the last event that
settled them, against what the plan assumed there (the place's setup, :data:`ops.scenario.SETUP_S`, unless he was
there already, and each stop's service, as planned). Only visits whose stops were all settled the day of their plan
and whose postman said he came are timed (``visits_timed`` of ``visits_settled``): the figures say what he was
asked to say, not a position stream.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple

import numpy as np
import pandas as pd

from geo.hours import HANOI
from ops import dayevents, records, scenario
from ops.errors import FieldError
from ops.stopkeys import recorded
from ops.store import Store
from routing.problem import clock

MAX_DAYS = 92
"""The longest period asked at once, days: a quarter (the quarterly report has the quarter's figures)."""

ENDS = ("done", "failed", "after_failure", "unsettled")
"""How a planned stop ended (see the module's docstring)."""

_STOP = [
    *("postman", "name", "day", "end", "door", "in_window", "delay_min", "first", "added_min"),
    *("reason_code", "far", "photo"),
]
_ROUTE = ["postman", "name", "day", "km", "hours"]
_VISIT = ["postman", "name", "day", "door", "timed_min", "planned_min"]


def of_period(store: Store, first: date, last: date, *, postman: str | None = None) -> dict:
    """The postmen's days from ``first`` to ``last`` (both included) against their plans.

    Parameters
    ----------
    store
        The store.
    first, last
        The period's first and last day; at most :data:`MAX_DAYS` days.
    postman
        Only this postman's routes (his account), when given: his days one by one in ``by_day``.

    Returns
    -------
    dict
        ``{"from", "to", "postman", "days", "synthetic", "postmen": [...], "by_day": [...], "total": {...}}``:
        ``postman`` as asked; ``days`` the days with a plan (with his route, for one postman); each row of
        ``postmen`` (the most stops first) and ``by_day`` (in order), and ``total``, with ``days``, ``stops`` and how
        they ended (:data:`ENDS`), ``done_share`` (of the stops), ``in_window`` and its share of the settled stops
        (``in_window_share``, null without any), the settled stops at citizens' doors (``door_settled``) and the
        share of them in the window (``door_in_window_share``), ``delay_median_min`` and ``delay_p90_min`` (null
        without any), ``first_delay_median_min``, ``door_added_min`` and ``office_added_min`` (null without any:
        see the module's docstring), ``visits_settled`` and ``visits_timed``, ``door_visit_min`` and
        ``office_visit_min`` against ``door_visit_planned_min`` and ``office_visit_planned_min`` (medians, null
        without any: the module's docstring), ``far``, ``photos`` (failures with a photo), ``failures`` by reason,
        ``planned_km`` and ``planned_h`` (leaving to coming back); a postman's row has his account (``postman``) and
        full name (``name``).

    Raises
    ------
    FieldError
        ``to`` before ``from`` (``period_order``), or a period longer than :data:`MAX_DAYS` (``period_too_long``).
    """
    if last < first:
        raise FieldError("to", f"the period ends ({last}) before it begins ({first})", code="period_order")
    if (last - first).days + 1 > MAX_DAYS:
        raise FieldError(
            "to",
            f"at most {MAX_DAYS} days at once, asked {(last - first).days + 1} ({first} to {last})",
            code="period_too_long",
            most=MAX_DAYS,
        )
    read, synthetic = _read(store, first, last)
    if postman is not None:
        read = _Read(*(frame[frame["postman"] == postman] for frame in read))
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "postman": postman,
        "days": int(read.routes["day"].nunique()),
        "synthetic": synthetic,
        "postmen": _rows(read, ["postman", "name"], order="stops"),
        "by_day": _rows(read, ["day"], order="day"),
        "total": _summary(read),
    }


class _Read(NamedTuple):
    """A period's planned stops, routes and visits (a row each)."""

    stops: pd.DataFrame
    routes: pd.DataFrame
    visits: pd.DataFrame


def _read(store: Store, first: date, last: date) -> tuple[_Read, bool]:
    """A row per planned stop of a task (postman, day, how it ended, when, reason, ...), per route and per visit."""
    stops: list[dict] = []
    routes: list[dict] = []
    visits: list[dict] = []
    synthetic = False
    for ordinal in range(first.toordinal(), last.toordinal() + 1):
        plan = store.latest("plan", date=date.fromordinal(ordinal).isoformat())
        if plan is None or "day" not in plan["result"]:
            continue
        on = date.fromisoformat(plan["result"]["day"]["date"])
        synthetic |= bool(plan["result"].get("synthetic"))
        events = recorded(store.engine, plan["id"])
        planned = _planned(plan["result"])
        for route in plan["result"]["day"]["routes"]:
            tasks = [s for s in route["stops"] if s["task"]]
            if not tasks:
                continue
            who = {"postman": route["postman"], "name": route.get("postman_name") or route["postman"], "day": on}
            hours = (clock(route["stops"][-1]["arrival"]) - clock(route["stops"][0]["departure"])) / 3600
            routes.append(who | {"km": route["distance_m"] / 1000, "hours": hours})
            ended = [
                who | {"door": stop["place"].startswith("address:")} | _ended(on, stop, events.get(stop["task"], {}))
                for stop in tasks
            ]
            stops.extend(_legs(ended))
            visits.extend(who | v for v in _visits(on, route, events, planned))
    frames = _Read(*(pd.DataFrame(rows, columns=c) for rows, c in ((stops, _STOP), (routes, _ROUTE), (visits, _VISIT))))
    return frames, synthetic


def _planned(result: dict) -> dict[tuple[str, int], tuple[int, str]]:
    """The seconds each stop of a stored plan was to serve, and its place's role, by postman and stop number."""
    roles = {
        (f["properties"]["postman"], f["properties"]["seq"]): f["properties"]["role"]
        for f in result["geojson"]["features"]
        if f["geometry"]["type"] == "Point"
    }
    return {
        (r["postman"], k): (s["departure"] - s["start"], roles.get((r["postman"], k), "address"))
        for r in result["plan"]["routes"]
        for k, s in enumerate(r["stops"])
    }


def _visits(
    day: date, route: dict, events: dict[str, dict[str, dict]], planned: dict[tuple[str, int], tuple[int, str]]
) -> list[dict]:
    """The visits of ``route`` (:func:`ops.records.visits`, a citizen's door among them) whose stops were all
    settled on ``day``: at a door or not, how long from the first arrival recorded at them to the last event that
    settled them (``timed_min``, null without an arrival) and how long the plan gave them (``planned_min``)."""
    out = []
    stops = route["stops"]
    for run in records.runs(stops):
        moments = [_moment(day, dayevents.settling(s, events.get(s["task"], {}))) for s in run]
        if any(m is None for m in moments):
            continue  # a stop unsettled, settled another day, or a delivery after its pickup failed
        came = [_moment(day, events.get(s["task"], {}).get(dayevents.arrival(s["kind"]))) for s in run]
        arrived = min((m for m in came if m is not None), default=None)
        left = max(m for m in moments if m is not None)
        before = stops[run[0]["seq"] - 1]
        moved = (before["lon"], before["lat"]) != (run[0]["lon"], run[0]["lat"])
        serving = [planned.get((route["postman"], s["seq"]), (0, "address")) for s in run]
        setup = scenario.SETUP_S.get(serving[0][1], 0) if moved else 0
        out.append(
            {
                "door": run[0]["place"].startswith("address:"),
                "timed_min": None if arrived is None or left < arrived else (left - arrived) / 60,
                "planned_min": (setup + sum(seconds for seconds, _ in serving)) / 60,
            }
        )
    return out


def _moment(day: date, event: dict | None) -> float | None:
    """Seconds of ``day`` (Hanoi) an event was recorded at; None without one, or one recorded another day."""
    if event is None:
        return None
    at = datetime.fromisoformat(event["at"]).astimezone(HANOI)
    return (at - datetime.combine(day, datetime.min.time(), HANOI)).total_seconds() if at.date() == day else None


def _ended(day: date, stop: dict, events: dict[str, dict]) -> dict:
    """How ``stop`` ended, with the event that settled it: in its window or not, its delay, why it failed."""
    settled = dayevents.stop_state(stop, events)
    if settled is None:
        return {"end": "unsettled", "in_window": False, "far": False, "photo": False}
    event = dayevents.settling(stop, events)
    if event is None:
        return {"end": "after_failure", "in_window": False, "far": False, "photo": False}
    at = datetime.fromisoformat(event["at"]).astimezone(HANOI)
    planned = datetime.combine(day, datetime.min.time(), HANOI) + timedelta(seconds=clock(stop["departure"]))
    moment = at.hour * 3600 + at.minute * 60 + at.second
    said = dayevents.said(event)
    return {
        "end": "failed" if settled == "failed" else "done",
        # A window's end is written to the minute: an event within that minute is in it.
        "in_window": at.date() == day
        and any(s <= moment < e + 60 for s, e in scenario.windows(stop["window"], "window") or ()),
        # Recorded another day (entered late, or the day re-read), the event's time says nothing of the round.
        "delay_min": (at - planned).total_seconds() / 60 if at.date() == day else None,
        "reason_code": said["reason_code"],
        "far": said["far"],
        "photo": said["photo"],
    }


def _visit_times(visits: pd.DataFrame) -> dict:
    """How many visits were settled and timed, and the median time the timed ones took, and was planned, at
    citizens' doors and at offices (null without any)."""
    timed = visits.dropna(subset=["timed_min"])
    out: dict = {"visits_settled": len(visits), "visits_timed": len(timed)}
    at_door = timed["door"].astype(bool)
    for where, part in (("door", timed[at_door]), ("office", timed[~at_door])):
        for figure, column in (("visit_min", "timed_min"), ("visit_planned_min", "planned_min")):
            values = part[column].to_numpy(dtype=float)
            out[f"{where}_{figure}"] = round(float(np.median(values)), 1) if len(values) else None
    return out


def _legs(ended: list[dict]) -> list[dict]:
    """A route's stops in order (:func:`_ended`) with whether each is its first timed one (``first``) and the minutes
    its leg added to the delay (``added_min``: the delay less the one at the timed stop before it)."""
    before = None
    for stop in ended:
        delay = stop.get("delay_min")
        stop["first"] = delay is not None and before is None
        stop["added_min"] = None if delay is None or before is None else delay - before
        before = before if delay is None else delay
    return ended


def _rows(read: _Read, keys: list[str], *, order: str) -> list[dict]:
    """:func:`_summary` per group of ``keys``; by day in order, by postman the most stops first."""
    stops, visits = (dict(iter(frame.groupby(keys))) for frame in (read.stops, read.visits))
    rows = []
    for values, group in read.routes.groupby(keys):
        own = _Read(stops.get(values, read.stops.iloc[:0]), group, visits.get(values, read.visits.iloc[:0]))
        row = dict(zip(keys, values, strict=True)) | _summary(own)
        rows.append(row | ({"day": row["day"].isoformat()} if "day" in row else {}))
    return sorted(rows, key=lambda r: -r["stops"]) if order == "stops" else rows


def _summary(read: _Read) -> dict:
    """The figures of some stops, their routes and visits (see :func:`of_period`)."""
    stops, routes = read.stops, read.routes
    ends = stops["end"].value_counts()
    settled = stops[stops["end"].isin(["done", "failed"])]
    failed = settled[settled["end"] == "failed"]
    delays = settled["delay_min"].dropna().to_numpy(dtype=float)
    in_window = int(settled["in_window"].sum())
    doors = settled[settled["door"].astype(bool)]
    firsts = settled.loc[settled["first"].astype(bool), "delay_min"].to_numpy(dtype=float)
    legs = settled.dropna(subset=["added_min"])
    at_door = legs["door"].astype(bool)
    door_legs, office_legs = (legs.loc[m, "added_min"].to_numpy(dtype=float) for m in (at_door, ~at_door))
    return {
        "days": int(routes["day"].nunique()),
        "stops": len(stops),
        **{end: int(ends.get(end, 0)) for end in ENDS},
        "done_share": round(int(ends.get("done", 0)) / len(stops), 4) if len(stops) else None,
        "in_window": in_window,
        "in_window_share": round(in_window / len(settled), 4) if len(settled) else None,
        "door_settled": len(doors),
        "door_in_window_share": round(int(doors["in_window"].sum()) / len(doors), 4) if len(doors) else None,
        "delay_median_min": round(float(np.median(delays)), 1) if len(delays) else None,
        "delay_p90_min": round(float(np.percentile(delays, 90)), 1) if len(delays) else None,
        "first_delay_median_min": round(float(np.median(firsts)), 1) if len(firsts) else None,
        "door_added_min": round(float(door_legs.mean()), 1) if len(door_legs) else None,
        "office_added_min": round(float(office_legs.mean()), 1) if len(office_legs) else None,
        **_visit_times(read.visits),
        "far": int(settled["far"].sum()),
        "photos": int(failed["photo"].sum()),
        "failures": {str(k): int(v) for k, v in failed["reason_code"].value_counts().sort_index().items()},
        "planned_km": round(float(routes["km"].sum()), 1),
        "planned_h": round(float(routes["hours"].sum()), 1),
    }
