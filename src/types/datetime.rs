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
        crate::codec::parse::parse_date_time(&quoted).ok_or(ValidationError::DateTime)
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
        crate::codec::parse::parse_date(s.as_bytes()).ok_or(ValidationError::Date)
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
