from datetime import date

import pytest

from tsunagari.directory.hours import (
    HoursSpecError,
    Schedule,
    format_hours_spec,
    is_holiday,
    parse_hours_spec,
    parse_time,
)

from .conftest import tokyo


def schedule(spec: str, holidays: str = "as_usual") -> Schedule:
    hours_type, rows = parse_hours_spec(spec)
    return Schedule.from_rows(hours_type, holidays, rows)


# --- spec parsing ---------------------------------------------------------------------


def test_parse_overnight_with_yoku():
    kind, rows = parse_hours_spec("daily 17:00-翌5:30")
    assert kind == "weekly"
    assert len(rows) == 7 and rows[0] == ("weekday", 0, 17 * 60, 24 * 60 + 5 * 60 + 30)


def test_parse_mixed_rules_and_round_trip():
    spec = "mon 22:30-翌2:30; tue 17:00-翌2:30; wed,thu,fri,sat,sun 20:00-翌2:30; day10 8:00-翌8:00"
    kind, rows = parse_hours_spec(spec)
    again = format_hours_spec(kind, rows)
    assert parse_hours_spec(again) == (kind, rows)
    assert ("monthday", 10, 480, 1920) in rows


@pytest.mark.parametrize("spec", ["24h", "appointment", "web", "unknown"])
def test_special_specs(spec):
    assert parse_hours_spec(spec) == (spec, [])


@pytest.mark.parametrize(
    "spec, fragment",
    [
        ("daily 17:00-5:30", "翌"),  # overnight without 翌 is ambiguous
        ("daily 25:00-26:00", "正しくありません"),
        ("funday 10:00-12:00", "曜日"),
        ("mon 10:00", "開始-終了"),
        ("mon 9-17", "HH:MM"),
        ("mon 翌1:00-翌2:00", "開始時刻"),
        ("day32 10:00-12:00", "1〜31"),
        ("", "空"),
    ],
)
def test_bad_specs_are_explained_in_japanese(spec, fragment):
    with pytest.raises(HoursSpecError, match=fragment):
        parse_hours_spec(spec)


def test_parse_time_24_only_for_closing():
    assert parse_time("24:00", closing=True) == 1440
    with pytest.raises(HoursSpecError):
        parse_time("24:00")


# --- holidays ---------------------------------------------------------------------------


def test_kinro_kansha_no_hi_2026_is_a_holiday_from_jpholiday():
    assert is_holiday(date(2026, 11, 23))  # 勤労感謝の日 (Monday)
    assert not is_holiday(date(2026, 11, 24))


def test_closed_on_public_holidays():
    s = schedule("mon-fri 10:00-17:00", holidays="closed")  # ひきこもりサポートネット
    assert s.is_open(tokyo("2026-11-23T11:00")) is False
    assert s.is_open(tokyo("2026-11-24T11:00")) is True
    assert s.next_opening(tokyo("2026-11-23T11:00")) == tokyo("2026-11-24T10:00")


def test_kimimamo_tue_sat_closed_on_holidays():
    s = schedule("tue-sat 15:00-21:00", holidays="closed")
    assert s.is_open(tokyo("2026-11-03T16:00")) is False  # 文化の日 (Tuesday)
    assert s.is_open(tokyo("2026-11-04T16:00")) is True
    assert s.is_open(tokyo("2026-11-29T16:00")) is False  # Sunday


def test_special_holiday_hours():
    s = schedule("mon-fri 9:00-18:00; holiday 10:00-15:00", holidays="special")
    assert s.is_open(tokyo("2026-11-23T09:30")) is False
    assert s.is_open(tokyo("2026-11-23T10:30")) is True
    assert s.is_open(tokyo("2026-11-24T09:30")) is True


def test_unknown_holiday_rule_is_not_promised():
    s = schedule("tue,wed,fri,sat 12:00-20:00", holidays="unknown")
    assert s.is_open(tokyo("2026-11-03T13:00")) is None  # holiday Tuesday: unknown
    assert s.is_open(tokyo("2026-11-04T13:00")) is True


def test_as_usual_on_holiday():
    s = schedule("daily 12:00-翌5:30")
    assert s.is_open(tokyo("2026-11-23T23:30")) is True


# --- overnight spans and the midnight boundary -----------------------------------------------


def test_overnight_span_runs_into_next_day():
    s = schedule("daily 12:00-翌5:30")  # 東京都自殺相談ダイヤル
    assert s.is_open(tokyo("2026-11-29T23:59")) is True
    assert s.is_open(tokyo("2026-11-30T00:00")) is True
    assert s.is_open(tokyo("2026-11-30T05:29")) is True
    assert s.is_open(tokyo("2026-11-30T05:30")) is False
    assert s.is_open(tokyo("2026-11-30T11:59")) is False
    assert s.open_until(tokyo("2026-11-29T23:30")) == tokyo("2026-11-30T05:30")


def test_overnight_spill_survives_a_closed_holiday():
    s = schedule("sun 20:00-翌2:30", holidays="closed")
    # Sunday 2026-11-22 20:00 until Monday (holiday) 02:30: the Sunday span still counts.
    assert s.is_open(tokyo("2026-11-23T01:00")) is True


def test_midnight_boundary_between_weekday_rules():
    s = schedule("mon,thu,fri 0:00-24:00; tue,wed,sat,sun 6:00-24:00")  # #いのちSOS
    assert s.is_open(tokyo("2026-11-30T23:59")) is True  # Monday
    assert s.is_open(tokyo("2026-12-01T00:00")) is False  # Tuesday 00:00
    assert s.is_open(tokyo("2026-12-01T06:00")) is True
    assert s.is_open(tokyo("2026-11-29T23:59")) is True  # Sunday
    assert s.is_open(tokyo("2026-11-30T00:00")) is True  # Monday 00:00
    # Sunday 06:00 .. Tuesday 00:00 is one continuous opening.
    assert s.open_until(tokyo("2026-11-29T23:30")) == tokyo("2026-12-01T00:00")


def test_mon_tue_variants():
    s = schedule("mon 22:30-翌2:30; tue 17:00-翌2:30; wed,thu,fri,sat,sun 20:00-翌2:30")
    assert s.is_open(tokyo("2026-11-30T21:00")) is False  # Monday before 22:30
    assert s.is_open(tokyo("2026-11-30T22:30")) is True
    assert s.is_open(tokyo("2026-12-01T17:30")) is True  # Tuesday from 17:00
    assert s.is_open(tokyo("2026-11-30T02:00")) is True  # spill from Sunday


def test_24h():
    s = schedule("24h")
    assert s.is_open(tokyo("2026-11-23T03:00")) is True
    assert s.open_until(tokyo("2026-11-23T03:00")) is None


def test_appointment_and_unknown_have_no_open_state():
    assert schedule("appointment").is_open(tokyo("2026-11-24T10:00")) is None
    assert schedule("unknown").is_open(tokyo("2026-11-24T10:00")) is None


# --- いのちの電話: daily 16-21 plus the 10th 08:00 to 08:00 next day ---------------------------


def test_tenth_of_month_rule():
    s = schedule("daily 16:00-21:00; day10 8:00-翌8:00")
    assert s.is_open(tokyo("2026-12-09T09:00")) is False
    assert s.is_open(tokyo("2026-12-10T08:00")) is True
    assert s.is_open(tokyo("2026-12-10T23:00")) is True
    assert s.is_open(tokyo("2026-12-11T07:59")) is True
    assert s.is_open(tokyo("2026-12-11T08:00")) is False
    assert s.is_open(tokyo("2026-12-11T16:00")) is True
    assert s.open_until(tokyo("2026-12-10T12:00")) == tokyo("2026-12-11T08:00")
    assert s.next_opening(tokyo("2026-12-09T22:00")) == tokyo("2026-12-10T08:00")


def test_today_spans_show_spill_and_own():
    s = schedule("daily 12:00-翌5:30")
    spill, own, certain = s.today_spans(date(2026, 11, 30))
    assert spill == [(0, 330)] and own == [(720, 1770)] and certain
