"""Opening hours read with Vietnam's public holidays.

OSM ``opening_hours`` are parsed and evaluated by ``opening-hours-py``, whose calendar of Vietnamese public holidays
holds only the fixed dates (1 January, 30 April, 1 May, 2 September): a rule ``PH off`` would keep an office open
through Tết, the longest holiday of the year. The ``holidays`` package knows the lunar ones (Tết, the Hùng Kings'
day), the days moved by decision and the newer ones (1 September since 2025, 24 November since 2026). So before
evaluation each ``PH`` standing in a rule's day list is written out as that calendar's dates of the year asked and
the next ("Mo-Fr 08:00-17:00; PH off" as "Mo-Fr 08:00-17:00; 2026 Jan 01,2026 Feb 16-20,... off"): the library
has no way to be given a calendar, and this rewriting is the one thing done here by hand. ``PH`` in other
positions ("Jan PH", "SH,PH", "PH +1 day") and years the calendar does not hold (before 1901, after 2100) are left
to the library's calendar (its fixed dates, 2000-2099: none then).

The same calendar says the working days of the public administration (:func:`is_working_day`), by which
appointment dates and returns are counted. Some days off are moved by decision: a bridging day off (Monday 31
August 2026, between a Sunday and National Day) is paid for by working a Saturday (22 August). That Saturday is
a working day, and an office whose hours follow the public holidays (``PH off``) opens on it as on the day off it
pays for, written out as a date rule (``opening_hours`` has no syntax for a moved working day).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from itertools import groupby
from typing import Any

import holidays
import opening_hours
from holidays.countries.vietnam import VietnamStaticHolidays

COUNTRY = "VN"

HANOI = timezone(timedelta(hours=7), "+07")
"""Hanoi's time (opening hours, working days and the service's clocks: the day's plans, the dossiers' journeys,
the quarter's reports): UTC+7 all year, without daylight saving, since 1975. A fixed offset, not the tz database's
Asia/Ho_Chi_Minh: the same for every date the service sees, and a conversion costs a third (tracking converts each
step of a dossier's journey)."""

LANGUAGES = {"vi": "vi", "en": "en_US"}
"""The ``holidays`` language of each language of the pages."""

_DAYS = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?"
_LEADING_DAYS = re.compile(rf"((?:{_DAYS}|PH)(?:,(?:{_DAYS}|PH))*)(?=\s|$)(?!\s*[+-]\d)")
"""A rule's day list at its start: weekdays, ranges of them and ``PH``, joined by commas (not a holiday with an
offset, "PH +1 day", which a list of dates would give to its last date only)."""

_SEPARATOR = re.compile(r"(\s*;\s*|\s*\|\|\s*|,\s+(?=(?:Mo|Tu|We|Th|Fr|Sa|Su|PH)\b))")
"""What separates rules: ``;``, the fallback ``||`` and the additional rule's comma (before a day)."""

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def is_open(hours: str, when: datetime) -> bool:
    """Whether ``hours`` (OSM ``opening_hours``) are open at ``when`` (Hanoi local time, naive).

    Examples
    --------
    >>> is_open("Mo-Fr 08:00-17:00; PH off", datetime(2026, 2, 17, 10))  # Tết, a Tuesday
    False
    >>> is_open("Mo-Fr 08:00-17:00; PH off", datetime(2026, 2, 24, 10))
    True
    """
    return bool(_parsed(_with_holidays(hours, when.year)).is_open(when))


def next_change(hours: str, when: datetime) -> datetime | None:
    """When ``hours`` next open or close after ``when`` (both Hanoi local time, naive); None when they never do
    (``24/7``, ``off``).

    Examples
    --------
    >>> next_change("Mo-Fr 08:00-17:00; PH off", datetime(2026, 2, 13, 17))  # Friday before Tết
    datetime.datetime(2026, 2, 23, 8, 0)
    """
    return _parsed(_with_holidays(hours, when.year)).next_change(when)


@lru_cache(maxsize=4096)
def windows_on(hours: str, day: date) -> tuple[tuple[int, int], ...]:
    """When ``hours`` are open on ``day``: (start, end) in seconds since its midnight, Hanoi time, in order; empty
    when closed all day (a weekend, a public holiday).

    Examples
    --------
    >>> windows_on("Mo-Fr 08:00-11:30,13:30-17:00; PH off", date(2026, 12, 4))  # a Friday
    ((28800, 41400), (48600, 61200))
    >>> windows_on("Mo-Fr 08:00-11:30,13:30-17:00; PH off", date(2026, 12, 5))  # a Saturday
    ()
    """
    start = datetime.combine(day, datetime.min.time())
    found = _parsed(_with_holidays(hours, day.year)).intervals(start, start + timedelta(days=1))
    return tuple(
        (int((a - start).total_seconds()), int((b - start).total_seconds()))
        for a, b, status, _ in found
        if status == opening_hours.State.OPEN
    )


def state(hours: str, when: datetime) -> dict[str, bool | str | None]:
    """``open_now`` at ``when`` and ``changes_at``, when that next changes (ISO 8601 to the minute, None when
    never), as the answers carry them.

    Examples
    --------
    >>> state("Mo-Fr 08:00-17:00; PH off", datetime(2026, 2, 13, 16))
    {'open_now': True, 'changes_at': '2026-02-13T17:00'}
    """
    change = next_change(hours, when)
    return {
        "open_now": is_open(hours, when),
        "changes_at": None if change is None else change.isoformat(timespec="minutes"),
    }


def check_hours(hours: str) -> bool:
    """Whether ``hours`` parse as OSM ``opening_hours``."""
    try:
        _parsed(hours)
    except Exception:  # opening_hours.ParserError, which its stubs do not declare
        return False
    return True


def holiday(day: date, language: str = "vi") -> str | None:
    """The name of the public holiday ``day`` is, in ``language`` (``vi`` or ``en``); None on other days.

    Examples
    --------
    >>> holiday(date(2026, 2, 17))
    'Tết Nguyên Đán'
    >>> holiday(date(2026, 2, 17), "en")
    'Lunar New Year'
    """
    return _calendar(day.year, LANGUAGES.get(language, "vi")).get(day)


def public_holidays(years: Iterable[int], language: str = "vi") -> dict[date, str]:
    """The public holidays of ``years``, each day with its name in ``language`` (``vi`` or ``en``).

    Examples
    --------
    >>> public_holidays([2026])[date(2026, 9, 2)]
    'Quốc khánh'
    """
    return {day: name for year in years for day, name in _calendar(year, LANGUAGES.get(language, "vi")).items()}


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day of the public administration: a weekday that is no public holiday, or a
    Saturday worked for a day off (:func:`compensatory_working_days`).

    Examples
    --------
    >>> is_working_day(date(2026, 2, 17)), is_working_day(date(2026, 2, 21)), is_working_day(date(2026, 2, 23))
    (False, False, True)
    """
    if day in _worked(day.year):
        return True
    return day.weekday() < 5 and day not in _calendar(day.year, "vi")


def compensatory_working_days(years: Iterable[int]) -> dict[date, date]:
    """The days of ``years`` worked for a day off (Saturdays), each with the day off it pays for.

    Examples
    --------
    >>> compensatory_working_days([2026])
    {datetime.date(2026, 8, 22): datetime.date(2026, 8, 31)}
    """
    return {day: off for year in years for day, off in _worked(year).items()}


def working_day_after(day: date, n: int) -> date:
    """The ``n``-th working day after ``day`` (:func:`is_working_day`).

    Examples
    --------
    >>> working_day_after(date(2026, 2, 13), 1)  # the Friday before Tết
    datetime.date(2026, 2, 23)
    """
    while n > 0:
        day += timedelta(days=1)
        n -= is_working_day(day)
    return day


def working_day_before(day: date) -> date:
    """The last working day before ``day`` (:func:`is_working_day`)."""
    day -= timedelta(days=1)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


_US_DATE = re.compile(r"\b(\d{2})/(\d{2})/(\d{4})\b")


@lru_cache(maxsize=256)
def _calendar(year: int, language: str) -> dict[date, str]:
    named = dict(holidays.country_holidays(COUNTRY, years=year, language=language))
    if language != "en_US":
        return named
    # The package's only English is American: "Day off (substituted from 08/22/2026)". The pages write English
    # dates day first (en-GB), as Vietnam does: 22/08/2026.
    return {day: _US_DATE.sub(r"\2/\1/\3", name) for day, name in named.items()}


@lru_cache(maxsize=256)
def _worked(year: int) -> dict[date, date]:
    """The compensatory working days of ``year``, each with the day off it pays for. The ``holidays`` package
    holds them only in its table of days moved by decision (by the year of the day off: month and day off, month
    and day worked, and the year worked when another: 31 December 2018 for Saturday 5 January 2019)."""
    worked = {}
    for year_off in (year - 1, year, year + 1):
        moves: tuple[Any, ...] = VietnamStaticHolidays.special_public_holidays.get(year_off, ())
        for move in moves if moves and isinstance(moves[0], tuple) else (moves,) if moves else ():
            month_off, day_off, month, day, *year_worked = (int(n) for n in move)
            when = date(year_worked[0] if year_worked else year_off, month, day)
            if when.year == year:
                worked[when] = date(year_off, month_off, day_off)
    return worked


@lru_cache(maxsize=1024)
def _parsed(hours: str) -> opening_hours.OpeningHours:
    return opening_hours.OpeningHours(hours, country=COUNTRY)


@lru_cache(maxsize=1024)
def _with_holidays(hours: str, year: int) -> str:
    """``hours`` with each ``PH`` of a rule's leading day list written out as the holidays of ``year`` and the
    next; unchanged when they hold none or the calendar has no holiday that year."""
    if "PH" not in hours or not _calendar(year, "vi"):
        return hours
    dates = _dates([*_calendar(year, "vi"), *_calendar(year + 1, "vi")])
    parts = _SEPARATOR.split(hours.strip())
    out: list[str] = []
    for i in range(0, len(parts), 2):
        rule, separator = parts[i], (parts[i + 1] if i + 1 < len(parts) else "")
        days = _LEADING_DAYS.match(rule)
        if days is None or "PH" not in days.group(1).split(","):
            out += [rule, separator]
            continue
        rest = rule[days.end() :]
        weekdays = [d for d in days.group(1).split(",") if d != "PH"]
        between = parts[i - 1] if i else "; "  # the holidays' rule joins as the rule it comes from did
        if weekdays:
            out += [",".join(weekdays) + rest, between]
        out += [dates + rest, separator]
    written = "".join(out) + _working_days_rule(hours, year)
    return written if check_hours(written) else hours


def _working_days_rule(hours: str, year: int) -> str:
    """Rules opening ``hours`` on the compensatory working days of ``year`` and the next as on an ordinary day of
    the weekday they pay for ("; 2026 Aug 22 08:00-11:30,13:30-17:00" for Monday 31 August); empty when there are
    none."""
    rules = []
    for worked, off in sorted({**_worked(year), **_worked(year + 1)}.items()):
        # The hours of an ordinary day of the same weekday as the day off: a week before it, or one more.
        usual = off - timedelta(days=7)
        while usual in _calendar(usual.year, "vi") or usual in _worked(usual.year):
            usual -= timedelta(days=7)
        start = datetime.combine(usual, datetime.min.time())
        spans = [
            f"{a:%H:%M}-{'24:00' if b.date() > usual else f'{b:%H:%M}'}"
            for a, b, state, _ in _parsed(hours).intervals(start, start + timedelta(days=1))
            if state == opening_hours.State.OPEN
        ]
        rules.append(f"; {_dates([worked])} {','.join(spans) or 'off'}")
    return "".join(rules)


def _dates(days: list[date]) -> str:
    """``days`` as an OSM month-day list with years, runs of days within a month as ranges: ``2026 Feb 16-20``."""
    items = []
    for _, run in groupby(enumerate(sorted(days)), key=lambda p: p[1].toordinal() - p[0]):
        span = [d for _, d in run]
        for (year, month), in_month in groupby(span, key=lambda d: (d.year, d.month)):
            first, *more = in_month
            last = f"-{more[-1].day:02d}" if more else ""
            items.append(f"{year} {_MONTHS[month - 1]} {first.day:02d}{last}")
    return ",".join(items)
