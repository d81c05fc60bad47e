"""Opening hours read with Vietnam's public holidays (geo.hours): Tết and the other lunar and moved days, which
opening-hours-py's own calendar lacks."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from geo import agencies, hours

OFFICE = agencies.OFFICE_HOURS
"""The Service Centre's hours: weekdays with a lunch break, closed on public holidays."""


def test_office_hours_keep_weekdays_and_breaks() -> None:
    assert hours.is_open(OFFICE, datetime(2025, 7, 1, 9, 0))  # Tuesday morning
    assert not hours.is_open(OFFICE, datetime(2025, 7, 1, 12, 0))  # lunch break
    assert not hours.is_open(OFFICE, datetime(2025, 7, 5, 9, 0))  # Saturday
    assert not hours.check_hours("whenever")


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 2, 17), "Tết Nguyên Đán"),  # a Tuesday: the library's calendar keeps the office open
        (date(2026, 2, 20), "Mùng bốn Tết Nguyên Đán"),
        (date(2027, 2, 8), "Mùng ba Tết Nguyên Đán"),  # the next year's Tết, a Monday
        (date(2026, 4, 27), "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"),  # the Hùng Kings' day moved from a Sunday
        (date(2026, 9, 1), "Quốc khánh"),  # the second day of National Day, since 2025
        (date(2026, 11, 24), "Ngày Văn hóa Việt Nam"),  # since 2026
        (date(2026, 1, 1), "Tết Dương lịch"),  # a fixed date, known to both calendars
    ],
)
def test_the_office_is_closed_on_public_holidays(day: date, name: str) -> None:
    assert day.weekday() < 5, "a weekday, when the office would be open"
    morning = datetime.combine(day, datetime.min.time()).replace(hour=9)
    assert not hours.is_open(OFFICE, morning)
    assert hours.holiday(day) == name
    # The shops and post offices keep their hours.
    assert hours.is_open(agencies.DEFAULT_HOURS["post_office"], morning)


@pytest.mark.parametrize(
    ("worked", "off"),
    [
        (date(2026, 8, 22), date(2026, 8, 31)),  # a Saturday for the Monday before National Day
        (date(2025, 4, 26), date(2025, 5, 2)),  # for the Friday after Labour Day
        (date(2019, 1, 5), date(2018, 12, 31)),  # worked in the year after the day off
    ],
)
def test_a_saturday_worked_for_a_day_off_is_a_working_day(worked: date, off: date) -> None:
    # Decided each year for a bridging day off: the day off is a holiday, the Saturday a working day, on which
    # the offices following the public holidays open as on the day off and dossiers' days are counted.
    assert worked.weekday() == 5 and hours.compensatory_working_days([worked.year])[worked] == off
    assert hours.is_working_day(worked) and not hours.is_working_day(off)
    assert not hours.is_working_day(date.fromordinal(worked.toordinal() + 7))  # the Saturday after: off again
    morning = datetime.combine(worked, datetime.min.time()).replace(hour=9)
    assert hours.is_open(OFFICE, morning) and not hours.is_open(OFFICE, morning.replace(hour=12))
    assert not hours.is_open(OFFICE, datetime.combine(off, datetime.min.time()).replace(hour=9))
    # Hours not following the public holidays are not moved.
    assert not hours.is_open("Mo-Fr 08:00-17:00", morning)
    assert hours.working_day_after(date.fromordinal(worked.toordinal() - 1), 1) == worked


def test_the_windows_of_a_day_for_its_plan() -> None:
    # A day's plan opens each office as its hours say on that date: a weekday's two sittings, nothing on a
    # Saturday or on Tết, the Saturday worked for a day off as a weekday; a shop open past midnight in two parts.
    weekday = ((8 * 3600, 11 * 3600 + 1800), (13 * 3600 + 1800, 17 * 3600))
    assert hours.windows_on(OFFICE, date(2026, 12, 4)) == weekday
    assert hours.windows_on(OFFICE, date(2026, 12, 5)) == ()
    assert hours.windows_on(OFFICE, date(2026, 2, 17)) == ()
    assert hours.windows_on(OFFICE, date(2026, 8, 22)) == weekday
    assert hours.windows_on("Mo-Su 20:00-02:00", date(2026, 12, 5)) == ((0, 2 * 3600), (20 * 3600, 24 * 3600))
    assert hours.windows_on("24/7", date(2026, 12, 5)) == ((0, 24 * 3600),)


def test_the_next_change_reaches_a_saturday_worked() -> None:
    # Friday 21 August 2026 at closing: the office opens again the next morning.
    assert hours.next_change(OFFICE, datetime(2026, 8, 21, 17)) == datetime(2026, 8, 22, 8)
    assert hours.state(OFFICE, datetime(2026, 8, 22, 17)) == {"open_now": False, "changes_at": "2026-08-24T08:00"}


def test_a_holiday_is_named_in_the_language_asked() -> None:
    assert hours.holiday(date(2026, 2, 17), "en") == "Lunar New Year"
    assert hours.holiday(date(2026, 2, 17), "fr") == "Tết Nguyên Đán"  # a language the pages lack: Vietnamese
    assert hours.holiday(date(2026, 2, 24)) is None
    # A day off for a Saturday worked says that Saturday day first, as the pages write dates in either language.
    assert hours.holiday(date(2026, 8, 31)) == "Ngày nghỉ (thay cho ngày 22/08/2026)"
    assert hours.holiday(date(2026, 8, 31), "en") == "Day off (substituted from 22/08/2026)"


def test_the_next_change_skips_the_holidays() -> None:
    # Friday before Tết, 16:00: closes at 17:00, then opens again on Monday after the holiday week.
    assert hours.next_change(OFFICE, datetime(2026, 2, 13, 16)) == datetime(2026, 2, 13, 17)
    assert hours.next_change(OFFICE, datetime(2026, 2, 13, 17)) == datetime(2026, 2, 23, 8)
    # Lunch: opens again at 13:30.
    assert hours.next_change(OFFICE, datetime(2026, 2, 23, 12)) == datetime(2026, 2, 23, 13, 30)
    # Across the new year: 1 January 2027 is a Friday, the next opening the Monday after.
    assert hours.next_change(OFFICE, datetime(2026, 12, 31, 17)) == datetime(2027, 1, 4, 8)
    assert hours.next_change("24/7", datetime(2026, 2, 17, 10)) is None
    assert hours.state(OFFICE, datetime(2026, 2, 17, 10)) == {"open_now": False, "changes_at": "2026-02-23T08:00"}


@pytest.mark.parametrize(
    ("rule", "when", "open_"),
    [
        # PH among the days of a rule: open on the holidays as on weekdays.
        ("Mo-Fr,PH 08:00-12:00", datetime(2026, 2, 17, 10), True),
        ("Mo-Fr,PH 08:00-12:00", datetime(2026, 2, 21, 10), False),  # the Saturday after Tết
        ("Mo-Fr,PH 08:00-12:00", datetime(2026, 2, 23, 10), True),
        # Holidays with their own hours.
        ("Mo-Su 07:30-19:00; PH 08:00-11:00", datetime(2026, 2, 17, 12), False),
        ("Mo-Su 07:30-19:00; PH 08:00-11:00", datetime(2026, 2, 17, 9), True),
        ("Mo-Su 07:30-19:00; PH 08:00-11:00", datetime(2026, 2, 24, 12), True),
        # Sundays and holidays off; an additional rule (after a comma).
        ("Mo-Su 08:00-20:00; Su,PH off", datetime(2026, 2, 18, 10), False),
        ("Mo-Su 08:00-20:00; Su,PH off", datetime(2026, 2, 21, 10), True),
        ("Mo-Sa 08:00-17:00, PH off", datetime(2026, 2, 19, 10), False),
        ("Mo-Sa 08:00-17:00, PH off", datetime(2026, 2, 26, 10), True),
        # A holiday that is a Monday: the moved Hùng Kings' day is; Tết's Tuesday is not.
        ("Mo-Su 08:00-18:00; PH Mo off", datetime(2026, 4, 27, 10), False),
        ("Mo-Su 08:00-18:00; PH Mo off", datetime(2026, 2, 17, 10), True),
    ],
)
def test_holidays_in_the_rules(rule: str, when: datetime, open_: bool) -> None:
    assert hours.is_open(rule, when) is open_


def test_what_the_calendar_cannot_say_is_left_to_the_library() -> None:
    # A holiday with an offset would be a list of dates with the offset on its last: left as written.
    assert hours.check_hours("Mo-Su 08:00-18:00; PH +1 day off")
    assert hours.is_open("Mo-Su 08:00-18:00; PH +1 day off", datetime(2026, 3, 10, 10))
    # A year no calendar holds (after 2100): no holiday, a weekday like any (1 January 2150 is a Thursday).
    assert hours.holiday(date(2150, 1, 1)) is None
    assert hours.is_open(OFFICE, datetime(2150, 1, 1, 9))
