//! Service dates: ISO 8601 dates and date-times, read as instants in the operator's zone.
//!
//! Accepted shapes: `2024-01-31`, `2024-01-31T10:00`, `2024-01-31T10:00:00`, with 1 to 9
//! fraction digits, and with `Z` or an offset `±HH:MM`. The grammar is checked here, strictly,
//! because general ISO 8601 parsers also take week dates, ordinal dates and bracketed zone
//! names that no billing system means; calendar validity and the time-zone rules come from
//! `jiff` and its bundled tz database, so the answer does not depend on the server's `TZ`.

use super::Rejection;
use crate::error::ErrorCode;
use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{Offset, TimeZone};

const DETAIL: &str =
    "must be an ISO 8601 date (2024-01-31) or date-time (2024-01-31T10:00:00+03:00) that exists";
/// A day that exists but whose instant cannot be stored: the last hours of year 9999.
const RANGE_DETAIL: &str = "is later than the latest supported instant (9999-12-30); for a service without end, send finishedAt 9999-12-31";
/// Billing systems write this date for "no end".
const NO_END: (i16, i8, i8) = (9999, 12, 31);
/// Earliest year taken: anything before is a broken export, not a service start.
const MIN_YEAR: i16 = 1900;

/// A date as the partner wrote it: a calendar day, or a moment with or without an offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrittenDate {
    Day(Date),
    Local(DateTime),
    Exact(DateTime, Offset),
}

impl WrittenDate {
    pub fn parse(raw: &str) -> Result<WrittenDate, Rejection> {
        parse_shape(raw.as_bytes()).ok_or(Rejection::new(ErrorCode::InvalidDate, DETAIL))
    }

    /// True when only a calendar day was written.
    pub fn is_day(self) -> bool {
        matches!(self, WrittenDate::Day(_))
    }

    fn date(self) -> Date {
        match self {
            WrittenDate::Day(d) => d,
            WrittenDate::Local(dt) | WrittenDate::Exact(dt, _) => dt.date(),
        }
    }

    /// The instant a service starts: a date-only start is that day's 00:00 in `zone`.
    pub fn start(self, zone: &TimeZone) -> Result<Timestamp, Rejection> {
        self.instant_of(self.date().to_datetime(Time::midnight()), zone)
    }

    /// The instant a service ends (exclusive), or `None` for "no end" (`9999-12-31`).
    /// A date-only end includes that day: the service ends at the next day's 00:00 in `zone`.
    pub fn end(self, zone: &TimeZone) -> Result<Option<Timestamp>, Rejection> {
        let date = self.date();
        if (date.year(), date.month(), date.day()) == NO_END {
            return Ok(None);
        }
        let next_midnight = date
            .tomorrow()
            .map_err(|_| Rejection::new(ErrorCode::InvalidDate, DETAIL))?
            .to_datetime(Time::midnight());
        self.instant_of(next_midnight, zone).map(Some)
    }

    /// `day_boundary` is used for a date-only value; the others carry their own time.
    fn instant_of(self, day_boundary: DateTime, zone: &TimeZone) -> Result<Timestamp, Rejection> {
        let result = match self {
            WrittenDate::Day(_) => zone.to_timestamp(day_boundary),
            WrittenDate::Local(dt) => zone.to_timestamp(dt),
            WrittenDate::Exact(dt, offset) => TimeZone::fixed(offset).to_timestamp(dt),
        };
        result.map_err(|_| Rejection::new(ErrorCode::InvalidDate, RANGE_DETAIL))
    }
}

fn parse_shape(s: &[u8]) -> Option<WrittenDate> {
    let date = Date::new(
        digits(s, 0, 4)? as i16,
        digits_after(s, 4, b'-', 2)? as i8,
        digits_after(s, 7, b'-', 2)? as i8,
    )
    .ok()
    .filter(|d| d.year() >= MIN_YEAR)?;
    if s.len() == 10 {
        return Some(WrittenDate::Day(date));
    }
    if s.get(10) != Some(&b'T') {
        return None;
    }
    let hour = digits(s, 11, 2)?;
    let minute = digits_after(s, 13, b':', 2)?;
    let mut pos = 16;
    let mut second = 0;
    let mut nanos = 0;
    if s.get(pos) == Some(&b':') {
        second = digits(s, pos + 1, 2)?;
        pos += 3;
        if s.get(pos) == Some(&b'.') {
            let len = s[pos + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if !(1..=9).contains(&len) {
                return None;
            }
            nanos = digits(s, pos + 1, len)? * 10u32.pow(9 - len as u32);
            pos += 1 + len;
        }
    }
    let time = Time::new(hour as i8, minute as i8, second as i8, nanos as i32).ok()?;
    let dt = date.to_datetime(time);
    match &s[pos..] {
        [] => Some(WrittenDate::Local(dt)),
        [b'Z'] => Some(WrittenDate::Exact(dt, Offset::UTC)),
        [sign @ (b'+' | b'-'), ..] if s.len() == pos + 6 => {
            let hours = digits(s, pos + 1, 2)?;
            let minutes = digits_after(s, pos + 3, b':', 2)?;
            // RFC 3339: the offset's hour is 00-23 and its minute 00-59.
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = (hours * 3600 + minutes * 60) as i32;
            let signed = if *sign == b'-' { -seconds } else { seconds };
            Some(WrittenDate::Exact(dt, Offset::from_seconds(signed).ok()?))
        }
        _ => None,
    }
}

/// `len` ASCII digits at `at`, as a number.
fn digits(s: &[u8], at: usize, len: usize) -> Option<u32> {
    let part = s.get(at..at + len)?;
    part.iter().try_fold(0u32, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

/// A separator at `at`, then `len` digits.
fn digits_after(s: &[u8], at: usize, separator: u8, len: usize) -> Option<u32> {
    (s.get(at) == Some(&separator))
        .then(|| digits(s, at + 1, len))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moscow() -> TimeZone {
        TimeZone::get("Europe/Moscow").expect("bundled tz database")
    }

    fn start(raw: &str) -> Result<String, ErrorCode> {
        WrittenDate::parse(raw)
            .and_then(|d| d.start(&moscow()))
            .map(|t| t.to_string())
            .map_err(|r| r.code)
    }

    fn end(raw: &str) -> Result<Option<String>, ErrorCode> {
        WrittenDate::parse(raw)
            .and_then(|d| d.end(&moscow()))
            .map(|t| t.map(|t| t.to_string()))
            .map_err(|r| r.code)
    }

    #[test]
    fn offsets_and_zulu_name_the_same_instant() {
        assert_eq!(
            start("2024-03-01T07:00:00Z"),
            Ok("2024-03-01T07:00:00Z".into())
        );
        assert_eq!(
            start("2024-03-01T10:00:00+03:00"),
            Ok("2024-03-01T07:00:00Z".into())
        );
    }

    #[test]
    fn one_to_nine_fraction_digits_are_taken() {
        assert_eq!(
            start("2024-03-01T10:00:00.1+03:00"),
            Ok("2024-03-01T07:00:00.1Z".into())
        );
        assert_eq!(
            start("2024-03-01T10:00:00.123456789+03:00"),
            Ok("2024-03-01T07:00:00.123456789Z".into())
        );
        assert_eq!(
            start("2024-03-01T10:00:00.+03:00"),
            Err(ErrorCode::InvalidDate)
        );
        assert_eq!(
            start("2024-03-01T10:00:00.1234567890Z"),
            Err(ErrorCode::InvalidDate)
        );
    }

    #[test]
    fn dates_without_offset_are_operator_local() {
        assert_eq!(start("2024-03-01"), Ok("2024-02-29T21:00:00Z".into()));
        assert_eq!(
            start("2024-03-01T10:00:00"),
            Ok("2024-03-01T07:00:00Z".into())
        );
        assert_eq!(start("2024-03-01T10:00"), Ok("2024-03-01T07:00:00Z".into()));
    }

    #[test]
    fn impossible_dates_are_refused() {
        for raw in [
            "2023-02-29",
            "2024-04-31",
            "2024-13-01",
            "2024-03-01T24:00:00Z",
            "2024-03-01T10:00:00+24:00",
            "2024-03-01T10:00:60Z",
            "2024-3-1",
            "01.03.2024",
            "2024-03-01 10:00:00",
            "2024-03-01T10:00:00+0300",
            "2024-03-01TZ",
            "1899-12-31",
            "2024-03-01T10:00:00Z[Europe/Moscow]",
        ] {
            assert_eq!(start(raw), Err(ErrorCode::InvalidDate), "{raw}");
        }
        assert!(start("2024-02-29").is_ok());
    }

    #[test]
    fn a_date_only_end_includes_its_day_and_9999_12_31_means_no_end() {
        assert_eq!(end("2026-06-30"), Ok(Some("2026-06-30T21:00:00Z".into())));
        assert_eq!(
            end("2026-06-30T12:00:00Z"),
            Ok(Some("2026-06-30T12:00:00Z".into()))
        );
        assert_eq!(end("9999-12-31"), Ok(None));
        assert_eq!(end("9999-12-31T23:59:59Z"), Ok(None));
    }

    #[test]
    fn an_instant_past_the_supported_range_says_so() {
        let rejection = WrittenDate::parse("9999-12-30T23:59:59Z")
            .and_then(|d| d.start(&moscow()))
            .expect_err("past the range");
        assert_eq!(
            (rejection.code, rejection.detail),
            (ErrorCode::InvalidDate, RANGE_DETAIL)
        );
    }
}
