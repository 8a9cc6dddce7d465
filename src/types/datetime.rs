//! Dates and date-times of RFC 3501 §9, on top of chrono.
//!
//! ```
//! use imap_machine::types::{Date, DateTime};
//! let d = DateTime::parse("17-Jul-1996 02:44:25 -0700").unwrap();
//! assert_eq!(d.to_string(), "17-Jul-1996 02:44:25 -0700");
//! assert_eq!(Date::parse("1-Feb-1994").unwrap().to_string(), "1-Feb-1994");
//! ```

use std::fmt;

use chrono::{Datelike, FixedOffset, NaiveDate, NaiveTime, Timelike};

use super::ValidationError;

/// `date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE`:
/// an instant with the zone it was written in. Displayed without the quotes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime(chrono::DateTime<FixedOffset>);

/// `date = date-text / DQUOTE date-text DQUOTE`: a calendar day, as SEARCH uses.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date(NaiveDate);

pub(crate) const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `date-month = "Jan" / "Feb" / ...`, case-insensitive; 1-based.
pub(crate) fn month_number(m: &[u8]) -> Option<u32> {
    MONTHS.iter().position(|n| n.as_bytes().eq_ignore_ascii_case(m)).map(|i| i as u32 + 1)
}

/// Where and why a date or date-time did not parse: the byte offset, and what was expected
/// there (`None`: the fields make no valid date).
pub(crate) type DateError = (usize, Option<&'static str>);

fn digits_at(s: &[u8], k: usize, n: usize) -> Result<(usize, u32), DateError> {
    match s.get(k..k + n) {
        Some(d) if d.iter().all(u8::is_ascii_digit) => {
            Ok((k + n, d.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))))
        }
        _ => Err((k, Some("digit"))),
    }
}

fn lit_at(s: &[u8], k: usize, b: u8, what: &'static str) -> Result<usize, DateError> {
    if s.get(k) == Some(&b) {
        Ok(k + 1)
    } else {
        Err((k, Some(what)))
    }
}

/// The fields of a `date-time`, each in its range and the day in its month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DateTimeFields {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    /// `zone` as a signed number of minutes east of UTC.
    zone_minutes: i32,
}

impl DateTimeFields {
    /// Seconds since 1970-01-01T00:00:00Z (proleptic Gregorian calendar, as chrono).
    pub(crate) fn timestamp(&self) -> i64 {
        let days = days_from_civil(i64::from(self.year), self.month, self.day);
        let local = days * 86_400 + i64::from(self.hour * 3600 + self.minute * 60 + self.second);
        local - i64::from(self.zone_minutes) * 60
    }

    /// The zone, in minutes east of UTC.
    pub(crate) fn zone_minutes(&self) -> i32 {
        self.zone_minutes
    }

    /// The value. `None` cannot happen for checked fields; it is kept so a failure
    /// in chrono is a parse error, not a panic.
    fn to_date_time(self) -> Option<DateTime> {
        let date = NaiveDate::from_ymd_opt(self.year as i32, self.month, self.day)?;
        let time = NaiveTime::from_hms_opt(self.hour, self.minute, self.second)?;
        DateTime::from_parts(date, time, self.zone_minutes)
    }
}

/// Days from 1970-01-01 to `year-month-day` (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days in `month` of `year` (Gregorian).
fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE`
/// at the start of `s`: the bytes it takes and the value.
///
/// `date-day-fixed = (SP DIGIT) / 2DIGIT`; `time = 2DIGIT ":" 2DIGIT ":" 2DIGIT`;
/// `zone = ("+" / "-") 4DIGIT`. A one-digit day without the padding space is accepted
/// too, as several clients send it.
pub(crate) fn date_time_prefix(s: &[u8]) -> Result<(usize, DateTime), DateError> {
    let (j, fields) = date_time_fields(s)?;
    Ok((j, fields.to_date_time().ok_or((0, None))?))
}

/// [`date_time_prefix`]'s grammar: the bytes it takes and the checked fields, for a
/// caller that wants the instant without building a chrono value (the FETCH scanner).
pub(crate) fn date_time_fields(s: &[u8]) -> Result<(usize, DateTimeFields), DateError> {
    let mut j = lit_at(s, 0, b'"', "date-time")?;
    if s.get(j) == Some(&b' ') {
        j += 1;
    }
    let n = super::chars::prefix_len(&s[j..], super::chars::DIGIT);
    if n == 0 || n > 2 {
        return Err((j, Some("date-day-fixed")));
    }
    let (j, day) = digits_at(s, j, n)?;
    let j = lit_at(s, j, b'-', "-")?;
    let Some(month) = s.get(j..j + 3).and_then(month_number) else { return Err((j, Some("month"))) };
    let j = lit_at(s, j + 3, b'-', "-")?;
    let (j, year) = digits_at(s, j, 4)?;
    let j = lit_at(s, j, b' ', "SP")?;
    let (j, hour) = digits_at(s, j, 2)?;
    let j = lit_at(s, j, b':', ":")?;
    let (j, minute) = digits_at(s, j, 2)?;
    let j = lit_at(s, j, b':', ":")?;
    let (j, second) = digits_at(s, j, 2)?;
    let j = lit_at(s, j, b' ', "SP")?;
    let sign = match s.get(j) {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Err((j, Some("zone"))),
    };
    let (j, zh) = digits_at(s, j + 1, 2)?;
    let (j, zm) = digits_at(s, j, 2)?;
    let j = lit_at(s, j, b'"', "DQUOTE")?;
    let valid = zh <= 23
        && zm <= 59
        && (1..=days_in_month(year, month)).contains(&day)
        && hour <= 23
        && minute <= 59
        && second <= 59;
    if !valid {
        return Err((0, None));
    }
    let zone_minutes = sign * (zh * 60 + zm) as i32;
    Ok((j, DateTimeFields { year, month, day, hour, minute, second, zone_minutes }))
}

/// `date = date-text / DQUOTE date-text DQUOTE` at the start of `s`, with
/// `date-text = date-day "-" date-month "-" date-year` and `date-day = 1*2DIGIT`.
pub(crate) fn date_prefix(s: &[u8]) -> Result<(usize, Date), DateError> {
    let quoted = s.first() == Some(&b'"');
    let j = usize::from(quoted);
    let n = super::chars::prefix_len(&s[j..], super::chars::DIGIT).min(3);
    if n == 0 || n > 2 {
        return Err((j, Some("date-day")));
    }
    let (k, day) = digits_at(s, j, n)?;
    let k = lit_at(s, k, b'-', "-")?;
    let Some(month) = s.get(k..k + 3).and_then(month_number) else { return Err((k, Some("month"))) };
    let k = lit_at(s, k + 3, b'-', "-")?;
    let (k, year) = digits_at(s, k, 4)?;
    let Some(d) = NaiveDate::from_ymd_opt(year as i32, month, day).and_then(|d| Date::new(d).ok()) else {
        return Err((j, None));
    };
    let k = if quoted { lit_at(s, k, b'"', "DQUOTE")? } else { k };
    Ok((k, d))
}

impl DateTime {
    /// Wraps a chrono value. Fails if the year is outside `0..=9999` (4DIGIT) or the
    /// offset has seconds (a zone is `("+" / "-") 4DIGIT`).
    pub fn new(dt: chrono::DateTime<FixedOffset>) -> Result<Self, ValidationError> {
        if !(0..=9999).contains(&dt.year()) || dt.offset().local_minus_utc() % 60 != 0 {
            return Err(ValidationError::DateTime);
        }
        Ok(DateTime(dt))
    }

    /// Builds from the parsed fields; `zone` is `±HHMM` as a signed number of minutes.
    pub(crate) fn from_parts(date: NaiveDate, time: NaiveTime, zone_minutes: i32) -> Option<Self> {
        let offset = FixedOffset::east_opt(zone_minutes * 60)?;
        let dt = date.and_time(time).and_local_timezone(offset).single()?;
        DateTime::new(dt).ok()
    }

    /// Parses the unquoted text form, `17-Jul-1996 02:44:25 -0700` (a space-padded day
    /// `" 7-Jul-1996 ..."` and a one-digit day are both accepted).
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let mut quoted = Vec::with_capacity(s.len() + 2);
        quoted.push(b'"');
        quoted.extend_from_slice(s.as_bytes());
        quoted.push(b'"');
        match date_time_prefix(&quoted) {
            Ok((n, dt)) if n == quoted.len() => Ok(dt),
            _ => Err(ValidationError::DateTime),
        }
    }

    /// The chrono value.
    pub fn as_chrono(&self) -> &chrono::DateTime<FixedOffset> {
        &self.0
    }
}

impl Date {
    /// Wraps a chrono date. Fails if the year is outside `0..=9999`.
    pub fn new(d: NaiveDate) -> Result<Self, ValidationError> {
        if (0..=9999).contains(&d.year()) {
            Ok(Date(d))
        } else {
            Err(ValidationError::Date)
        }
    }

    /// Parses `date-text`, `1-Feb-1994`.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        match date_prefix(s.as_bytes()) {
            Ok((n, d)) if n == s.len() => Ok(d),
            _ => Err(ValidationError::Date),
        }
    }

    /// The chrono value.
    pub fn as_chrono(&self) -> NaiveDate {
        self.0
    }
}

impl fmt::Display for DateTime {
    /// `dd-Mon-yyyy hh:mm:ss +zzzz`, the day padded to two digits with a zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.0;
        let off = d.offset().local_minus_utc() / 60;
        let sign = if off < 0 { '-' } else { '+' };
        let off = off.abs();
        write!(
            f,
            "{:02}-{}-{:04} {:02}:{:02}:{:02} {}{:02}{:02}",
            d.day(),
            MONTHS[d.month0() as usize],
            d.year(),
            d.hour(),
            d.minute(),
            d.second(),
            sign,
            off / 60,
            off % 60
        )
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DateTime({self})")
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{:04}", self.0.day(), MONTHS[self.0.month0() as usize], self.0.year())
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Date({self})")
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    /// chrono's answer for the fields: the instant, or `None` for an invalid date.
    fn chrono_timestamp(y: u32, mo: u32, d: u32, h: u32, mi: u32, s: u32, zone: i32) -> Option<i64> {
        let date = NaiveDate::from_ymd_opt(y as i32, mo, d)?;
        let local = date.and_hms_opt(h, mi, s)?;
        Some(FixedOffset::east_opt(zone * 60)?.from_local_datetime(&local).single()?.timestamp())
    }

    fn text(y: u32, mo: u32, d: u32, h: u32, mi: u32, s: u32, zone: i32) -> String {
        let sign = if zone < 0 { '-' } else { '+' };
        let z = zone.unsigned_abs();
        let month = MONTHS.get(mo as usize - 1).copied().unwrap_or("Jan");
        format!("\"{d:02}-{month}-{y:04} {h:02}:{mi:02}:{s:02} {sign}{:02}{:02}\"", z / 60, z % 60)
    }

    #[test]
    fn known_instants() {
        let cases: &[(&str, Option<i64>)] = &[
            ("\"01-Jan-1970 00:00:00 +0000\"", Some(0)),
            ("\"17-Jul-1996 02:44:25 -0700\"", Some(837_596_665)),
            ("\"29-Feb-2000 12:00:00 +0100\"", Some(951_822_000)),
            ("\"29-Feb-1900 12:00:00 +0000\"", None),
            ("\"31-Apr-2024 00:00:00 +0000\"", None),
            ("\"01-Jan-0000 00:00:00 +0000\"", Some(-62_167_219_200)),
            ("\"31-Dec-9999 23:59:59 -2359\"", Some(253_402_387_139)),
            ("\"10-Oct-2024 24:00:00 +0000\"", None),
            ("\"10-Oct-2024 10:00:60 +0000\"", None),
            ("\"00-Oct-2024 10:00:00 +0000\"", None),
        ];
        for &(s, want) in cases {
            let got = date_time_fields(s.as_bytes()).ok().map(|(n, f)| {
                assert_eq!(n, s.len());
                f.timestamp()
            });
            assert_eq!(got, want, "{s}");
            let value = date_time_prefix(s.as_bytes()).ok().map(|(_, d)| d.as_chrono().timestamp());
            assert_eq!(value, want, "{s}");
        }
    }

    proptest! {
        /// The arithmetic instant (the FETCH view's) agrees with chrono's (the owned
        /// value's) on every date-time, and both refuse the same invalid dates.
        #[test]
        fn fields_agree_with_chrono(
            y in 0u32..=9999, mo in 1u32..=12, d in 1u32..=31,
            h in 0u32..=23, mi in 0u32..=59, s in 0u32..=59, zone in -1439i32..=1439,
        ) {
            let t = text(y, mo, d, h, mi, s, zone);
            let fields = date_time_fields(t.as_bytes()).ok().map(|(_, f)| (f.timestamp(), f.zone_minutes()));
            let want = chrono_timestamp(y, mo, d, h, mi, s, zone).map(|ts| (ts, zone));
            prop_assert_eq!(fields, want);
        }
    }
}
