//! Go's `time.Time` as it travels through `encoding/json`: RFC 3339 with nanoseconds
//! (`time.RFC3339Nano`), keeping the UTC offset it was written with.
//!
//! Helm stores `first_deployed`, `last_deployed`, file `modtime`s and the like this way, and
//! prints them again (`helm list`, `helm history`), so the offset and the exact
//! sub-second digits must survive a read and a re-write.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// Seconds between 0001-01-01T00:00:00Z (Go's zero time) and the Unix epoch.
const ZERO_TIME_UNIX_SECONDS: i64 = -62_135_596_800;

/// An instant with the UTC offset it is shown in, like a Go `time.Time` after a JSON round trip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GoTime {
    /// Seconds since the Unix epoch (UTC).
    pub unix_seconds: i64,
    /// Nanoseconds within the second, `0..1_000_000_000`.
    pub nanos: u32,
    /// Offset from UTC in seconds, east positive; 0 prints as `Z`.
    pub offset_seconds: i32,
}

impl Default for GoTime {
    fn default() -> Self {
        GoTime::ZERO
    }
}

/// Why a timestamp is not Go's RFC 3339 form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeParseError(pub String);

impl fmt::Display for TimeParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "parsing time {:?} as RFC 3339", self.0)
    }
}

impl std::error::Error for TimeParseError {}

impl GoTime {
    /// Go's zero `time.Time`: `0001-01-01T00:00:00Z`.
    pub const ZERO: GoTime = GoTime { unix_seconds: ZERO_TIME_UNIX_SECONDS, nanos: 0, offset_seconds: 0 };

    /// The current instant, in UTC (Helm's `time.Now()` on a machine whose zone is UTC).
    pub fn now() -> GoTime {
        let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        GoTime {
            unix_seconds: i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX),
            nanos: since_epoch.subsec_nanos(),
            offset_seconds: 0,
        }
    }

    /// Go's `Time.IsZero`: the zero instant, whatever offset it is shown in.
    pub fn is_zero(&self) -> bool {
        self.unix_seconds == ZERO_TIME_UNIX_SECONDS && self.nanos == 0
    }

    /// Parses Go's `time.RFC3339` / `RFC3339Nano` layout (what `encoding/json` writes).
    pub fn parse_rfc3339(text: &str) -> Result<GoTime, TimeParseError> {
        let fail = || TimeParseError(text.to_string());
        let bytes = text.as_bytes();
        if bytes.len() < 20 || bytes[4] != b'-' || bytes[7] != b'-' || !matches!(bytes[10], b'T' | b't') || bytes[13] != b':' || bytes[16] != b':' {
            return Err(fail());
        }
        let number = |range: std::ops::Range<usize>| -> Result<i64, TimeParseError> {
            let digits = &text[range];
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(fail());
            }
            digits.parse::<i64>().map_err(|_| fail())
        };
        let year = number(0..4)?;
        let month = number(5..7)?;
        let day = number(8..10)?;
        let hour = number(11..13)?;
        let minute = number(14..16)?;
        let second = number(17..19)?;
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 59 {
            return Err(fail());
        }
        let mut rest = &text[19..];
        let mut nanos: u32 = 0;
        if let Some(after_dot) = rest.strip_prefix('.') {
            let digit_count = after_dot.bytes().take_while(u8::is_ascii_digit).count();
            if digit_count == 0 || digit_count > 9 {
                return Err(fail());
            }
            let mut value: u32 = after_dot[..digit_count].parse().map_err(|_| fail())?;
            for _ in digit_count..9 {
                value *= 10;
            }
            nanos = value;
            rest = &after_dot[digit_count..];
        }
        let offset_seconds = match rest {
            "Z" | "z" => 0,
            _ => {
                let sign_bytes = rest.as_bytes();
                if sign_bytes.len() != 6 || sign_bytes[3] != b':' {
                    return Err(fail());
                }
                let sign = match sign_bytes[0] {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return Err(fail()),
                };
                let offset_digits = |r: std::ops::Range<usize>| -> Result<i32, TimeParseError> {
                    let d = &rest[r];
                    if !d.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(fail());
                    }
                    d.parse::<i32>().map_err(|_| fail())
                };
                let hours = offset_digits(1..3)?;
                let minutes = offset_digits(4..6)?;
                if hours > 23 || minutes > 59 {
                    return Err(fail());
                }
                sign * (hours * 3600 + minutes * 60)
            }
        };
        let local_seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
        Ok(GoTime { unix_seconds: local_seconds - i64::from(offset_seconds), nanos, offset_seconds })
    }

    /// The civil date and time in this value's own offset: (year, month, day, hour, minute, second).
    pub fn civil(&self) -> (i64, i64, i64, i64, i64, i64) {
        let local = self.unix_seconds + i64::from(self.offset_seconds);
        let days = local.div_euclid(86_400);
        let second_of_day = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        (year, month, day, second_of_day / 3600, second_of_day % 3600 / 60, second_of_day % 60)
    }

    /// Go's `time.RFC3339Nano` text: fractional digits without trailing zeros, `Z` for UTC.
    pub fn to_rfc3339_nano(&self) -> String {
        let (year, month, day, hour, minute, second) = self.civil();
        let mut text = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
        if self.nanos != 0 {
            let fraction = format!("{:09}", self.nanos);
            text.push('.');
            text.push_str(fraction.trim_end_matches('0'));
        }
        text.push_str(&self.offset_suffix(true));
        text
    }

    /// Go's `time.RFC3339` text: whole seconds, `Z` for UTC.
    pub fn to_rfc3339_seconds(&self) -> String {
        let (year, month, day, hour, minute, second) = self.civil();
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{}", self.offset_suffix(true))
    }

    /// Go's `time.ANSIC` layout (`Mon Jan _2 15:04:05 2006`), which `helm history` and
    /// `helm status` print.
    pub fn to_ansic(&self) -> String {
        let (year, month, day, hour, minute, second) = self.civil();
        let local_days = (self.unix_seconds + i64::from(self.offset_seconds)).div_euclid(86_400);
        // 1970-01-01 was a Thursday.
        let weekday = WEEKDAYS[usize::try_from((local_days + 4).rem_euclid(7)).unwrap_or(0)];
        let month_name = MONTHS[usize::try_from(month - 1).unwrap_or(0)];
        format!("{weekday} {month_name} {day:>2} {hour:02}:{minute:02}:{second:02} {year}")
    }

    /// Go's `Time.String()` for a time read back from JSON
    /// (`2026-11-24 17:05:26.875314519 +0000 UTC`), which `helm list` prints.
    ///
    /// A UTC time prints its zone as `UTC`; any other offset prints it numerically, as Go does
    /// for a fixed zone that is not the machine's local one.
    pub fn to_go_string(&self) -> String {
        let (year, month, day, hour, minute, second) = self.civil();
        let mut text = format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}");
        if self.nanos != 0 {
            let fraction = format!("{:09}", self.nanos);
            text.push('.');
            text.push_str(fraction.trim_end_matches('0'));
        }
        let numeric = self.offset_suffix(false);
        if self.offset_seconds == 0 {
            text.push_str(" +0000 UTC");
        } else {
            text.push(' ');
            text.push_str(&numeric);
            text.push(' ');
            text.push_str(&numeric);
        }
        text
    }

    fn offset_suffix(&self, with_colon: bool) -> String {
        if with_colon && self.offset_seconds == 0 {
            return "Z".to_string();
        }
        let sign = if self.offset_seconds < 0 { '-' } else { '+' };
        let magnitude = self.offset_seconds.unsigned_abs();
        let (hours, minutes) = (magnitude / 3600, magnitude % 3600 / 60);
        if with_colon {
            format!("{sign}{hours:02}:{minutes:02}")
        } else {
            format!("{sign}{hours:02}{minutes:02}")
        }
    }
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the well-known era-based method).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let shifted_year = if month <= 2 { year - 1 } else { year };
    let era = shifted_year.div_euclid(400);
    let year_of_era = shifted_year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl fmt::Display for GoTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339_nano())
    }
}

impl Serialize for GoTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339_nano())
    }
}

impl<'de> Deserialize<'de> for GoTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        GoTime::parse_rfc3339(&text).map_err(de::Error::custom)
    }
}

/// Serde helpers for Helm's time fields that treat `""` and `null` as the zero time
/// (Helm 4's `Info`/`HookExecution` decoders do) and are left out when zero (`omitzero`).
pub(crate) mod zero_as_absent {
    use super::GoTime;
    use serde::{de, Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<GoTime, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(GoTime::ZERO),
            Some(text) if text.is_empty() => Ok(GoTime::ZERO),
            Some(text) => GoTime::parse_rfc3339(&text).map_err(de::Error::custom),
        }
    }

    pub fn is_zero(time: &GoTime) -> bool {
        time.is_zero()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_go_layouts() {
        for text in [
            "2026-11-24T17:05:26.459549323Z",
            "2026-11-24T16:54:50.0791651Z",
            "0001-01-01T00:00:00Z",
            "1970-01-01T00:00:00Z",
            "2024-02-29T23:59:59.5+05:30",
            "1999-12-31T19:00:00-05:00",
        ] {
            let time = GoTime::parse_rfc3339(text).unwrap();
            assert_eq!(time.to_rfc3339_nano(), text);
        }
        assert!(GoTime::parse_rfc3339("0001-01-01T00:00:00Z").unwrap().is_zero());
    }

    #[test]
    fn rejects_malformed_text() {
        for text in ["", "2026-11-24", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-24T17:05:26", "2026-11-24T17:05:26.Z", "2026-11-24T17:05:26+0000", "२०२६-11-24T17:05:26Z"] {
            assert!(GoTime::parse_rfc3339(text).is_err(), "{text}");
        }
    }

    #[test]
    fn prints_helm_list_and_history_forms() {
        let time = GoTime::parse_rfc3339("2026-11-24T17:05:26.875314519Z").unwrap();
        assert_eq!(time.to_go_string(), "2026-11-24 17:05:26.875314519 +0000 UTC");
        assert_eq!(time.to_ansic(), "Tue Nov 24 17:05:26 2026");
        let early = GoTime::parse_rfc3339("2026-11-02T01:02:03+01:00").unwrap();
        assert_eq!(early.to_ansic(), "Mon Nov  2 01:02:03 2026");
        assert_eq!(early.to_go_string(), "2026-11-02 01:02:03 +0100 +0100");
        assert_eq!(early.unix_seconds, GoTime::parse_rfc3339("2026-11-02T00:02:03Z").unwrap().unix_seconds);
    }
}
