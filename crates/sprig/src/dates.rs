//! The date functions (`now`, `date`, `dateInZone`, `dateModify`, `ago`, `duration`,
//! `durationRound`, `htmlDate`, `toDate`, `unixEpoch`, ...), over a model of Go's
//! `time.Time` that formats and parses with Go's reference-time layouts
//! (`2006-01-02T15:04:05Z07:00`), prints with `%v` as Go does, and carries a time zone.
//!
//! Time zones: `UTC`, `Local` (this machine's zone is taken to be UTC, as on the machines
//! Helm charts are usually rendered on) and every IANA name known to `chrono-tz`.
//! The clock is injectable ([`register_with_clock`]) so that renders can be reproducible.

use std::sync::{Arc, OnceLock};

use chrono::{Offset, TimeZone};
use chrono_tz::{OffsetName, Tz};
use gotmpl::{FuncError, FuncMap, Object, Sig, Type, Value};

use crate::conv::arg_str;

const NANOS_PER_SECOND: i64 = 1_000_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

/// A time zone, as Go's `*time.Location`.
#[derive(Clone, Debug, PartialEq)]
pub enum Zone {
    Utc,
    /// `time.Local`; modelled as UTC.
    Local,
    /// A fixed offset with a name, as `time.FixedZone` (what parsing `-0700` produces).
    Fixed { name: String, offset: i32 },
    Named(Tz),
}

impl Zone {
    /// `time.LoadLocation`.
    pub fn load(name: &str) -> Option<Zone> {
        match name {
            "" | "UTC" => Some(Zone::Utc),
            "Local" => Some(Zone::Local),
            other => other.parse::<Tz>().ok().map(Zone::Named),
        }
    }

    /// The zone's abbreviation and offset east of UTC in seconds at the instant `unix`.
    fn lookup(&self, unix: i64) -> (String, i32) {
        match self {
            Zone::Utc | Zone::Local => ("UTC".to_string(), 0),
            Zone::Fixed { name, offset } => (name.clone(), *offset),
            Zone::Named(tz) => match chrono::DateTime::from_timestamp(unix, 0) {
                Some(utc) => {
                    let offset = tz.offset_from_utc_datetime(&utc.naive_utc());
                    let seconds = offset.fix().local_minus_utc();
                    // Zones without a letter abbreviation are named by their offset in
                    // tzdata ("+04", "+0530"); chrono-tz leaves those out.
                    let name = offset.abbreviation().map(str::to_string).unwrap_or_else(|| {
                        let abs = seconds.unsigned_abs();
                        let sign = if seconds < 0 { '-' } else { '+' };
                        match abs / 60 % 60 {
                            0 => format!("{sign}{:02}", abs / 3600),
                            minutes => format!("{sign}{:02}{minutes:02}", abs / 3600),
                        }
                    });
                    (name, seconds)
                }
                None => ("UTC".to_string(), 0),
            },
        }
    }
}

/// Go's `time.Time`: an instant, the zone it is shown in, and (for `now`) a monotonic
/// clock reading, which `%v` prints as `m=+0.001234567`.
#[derive(Clone, Debug, PartialEq)]
pub struct Time {
    /// Seconds since the Unix epoch.
    pub unix: i64,
    /// Nanoseconds within the second, 0..1e9.
    pub nanos: u32,
    pub zone: Zone,
    /// Nanoseconds on the monotonic clock, when the time came from the clock.
    pub monotonic: Option<i64>,
}

/// Civil date fields of an instant in its zone.
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    weekday: u32,
    yday: u32,
    zone_name: String,
    offset: i32,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const LONG_MONTHS: [&str; 12] = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
];
const LONG_DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

impl Time {
    /// `time.Unix(secs, 0)` in the local zone.
    pub fn from_unix(unix: i64) -> Time {
        Time { unix, nanos: 0, zone: Zone::Local, monotonic: None }
    }

    /// Go's zero time, January 1, year 1, 00:00:00 UTC.
    pub fn zero() -> Time {
        Time { unix: days_from_civil(1, 1, 1) * SECONDS_PER_DAY, nanos: 0, zone: Zone::Utc, monotonic: None }
    }

    fn civil(&self) -> Civil {
        let (zone_name, offset) = self.zone.lookup(self.unix);
        let local = self.unix + i64::from(offset);
        let days = local.div_euclid(SECONDS_PER_DAY);
        let secs = local.rem_euclid(SECONDS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: (secs / 3600) as u32,
            minute: (secs / 60 % 60) as u32,
            second: (secs % 60) as u32,
            weekday: (days + 4).rem_euclid(7) as u32,
            yday: (days - days_from_civil(year, 1, 1) + 1) as u32,
            zone_name,
            offset,
        }
    }

    /// The same instant shown in another zone (`Time.In`); drops the monotonic reading
    /// as Go's `In` does not, but Go's `%v` of the result keeps it, so we keep it too.
    pub fn in_zone(&self, zone: Zone) -> Time {
        Time { zone, ..self.clone() }
    }

    /// `Time.Add`.
    pub fn add_nanos(&self, d: i64) -> Time {
        let total = i128::from(self.unix) * i128::from(NANOS_PER_SECOND) + i128::from(self.nanos) + i128::from(d);
        let unix = total.div_euclid(i128::from(NANOS_PER_SECOND)) as i64;
        let nanos = total.rem_euclid(i128::from(NANOS_PER_SECOND)) as u32;
        Time { unix, nanos, zone: self.zone.clone(), monotonic: self.monotonic.map(|m| m.saturating_add(d)) }
    }

    /// Nanoseconds from `earlier` to `self`, saturating as Go's `Sub` does.
    pub fn sub(&self, earlier: &Time) -> i64 {
        if let (Some(a), Some(b)) = (self.monotonic, earlier.monotonic) {
            return a.saturating_sub(b);
        }
        let diff = (i128::from(self.unix) - i128::from(earlier.unix)) * i128::from(NANOS_PER_SECOND)
            + i128::from(self.nanos)
            - i128::from(earlier.nanos);
        diff.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }

    /// `Time.Format` with a Go layout.
    pub fn format(&self, layout: &str) -> String {
        let c = self.civil();
        let mut out = String::with_capacity(layout.len() + 10);
        let mut rest = layout;
        while !rest.is_empty() {
            let (prefix, chunk, after) = next_chunk(rest);
            out.push_str(prefix);
            let Some(chunk) = chunk else { break };
            rest = after;
            self.format_chunk(&c, chunk, &mut out);
        }
        out
    }

    fn format_chunk(&self, c: &Civil, chunk: Chunk, out: &mut String) {
        let pad = |out: &mut String, n: i64, width: usize| {
            if n < 0 {
                out.push('-');
                out.push_str(&format!("{:0width$}", -n));
            } else {
                out.push_str(&format!("{n:0width$}"));
            }
        };
        match chunk {
            Chunk::LongMonth => out.push_str(LONG_MONTHS[c.month as usize - 1]),
            Chunk::Month => out.push_str(&LONG_MONTHS[c.month as usize - 1][..3]),
            Chunk::NumMonth => pad(out, i64::from(c.month), 0),
            Chunk::ZeroMonth => pad(out, i64::from(c.month), 2),
            Chunk::LongWeekDay => out.push_str(LONG_DAYS[c.weekday as usize]),
            Chunk::WeekDay => out.push_str(&LONG_DAYS[c.weekday as usize][..3]),
            Chunk::Day => pad(out, i64::from(c.day), 0),
            Chunk::UnderDay => {
                if c.day < 10 {
                    out.push(' ');
                }
                pad(out, i64::from(c.day), 0);
            }
            Chunk::ZeroDay => pad(out, i64::from(c.day), 2),
            Chunk::UnderYearDay => out.push_str(&format!("{:>3}", c.yday)),
            Chunk::ZeroYearDay => pad(out, i64::from(c.yday), 3),
            Chunk::Hour => pad(out, i64::from(c.hour), 2),
            Chunk::Hour12 | Chunk::ZeroHour12 => {
                let h = match c.hour % 12 {
                    0 => 12,
                    h => h,
                };
                pad(out, i64::from(h), if chunk == Chunk::Hour12 { 0 } else { 2 });
            }
            Chunk::Minute => pad(out, i64::from(c.minute), 0),
            Chunk::ZeroMinute => pad(out, i64::from(c.minute), 2),
            Chunk::Second => pad(out, i64::from(c.second), 0),
            Chunk::ZeroSecond => pad(out, i64::from(c.second), 2),
            Chunk::LongYear => pad(out, c.year, 4),
            Chunk::Year => pad(out, c.year.rem_euclid(100), 2),
            Chunk::PM => out.push_str(if c.hour >= 12 { "PM" } else { "AM" }),
            Chunk::Pm => out.push_str(if c.hour >= 12 { "pm" } else { "am" }),
            Chunk::Tz(style) => format_offset(c.offset, style, out),
            Chunk::ZoneName => {
                if c.zone_name.is_empty() {
                    format_offset(c.offset, OffsetStyle { z: false, colon: false, minutes: true, seconds: false }, out);
                } else {
                    out.push_str(&c.zone_name);
                }
            }
            Chunk::Fraction { separator, digits, trim } => {
                let mut text = format!("{:09}", self.nanos);
                text.truncate(digits);
                if trim {
                    let trimmed = text.trim_end_matches('0');
                    if trimmed.is_empty() {
                        return;
                    }
                    text = trimmed.to_string();
                }
                out.push(separator);
                out.push_str(&text);
            }
        }
    }

    /// Go's `Time.String`: `2006-01-02 15:04:05.999999999 -0700 MST`, then the monotonic
    /// clock reading if there is one.
    pub fn go_string(&self) -> String {
        let mut s = self.format("2006-01-02 15:04:05.999999999 -0700 MST");
        if let Some(m) = self.monotonic {
            let sign = if m < 0 { '-' } else { '+' };
            let abs = m.unsigned_abs();
            s.push_str(&format!(" m={sign}{}.{:09}", abs / 1_000_000_000, abs % 1_000_000_000));
        }
        s
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct OffsetStyle {
    /// `Z` for UTC (the ISO 8601 `Z07...` forms).
    z: bool,
    colon: bool,
    minutes: bool,
    seconds: bool,
}

fn format_offset(offset: i32, style: OffsetStyle, out: &mut String) {
    if offset == 0 && style.z {
        out.push('Z');
        return;
    }
    let abs = offset.unsigned_abs();
    out.push(if offset < 0 { '-' } else { '+' });
    out.push_str(&format!("{:02}", abs / 3600));
    if style.minutes {
        if style.colon {
            out.push(':');
        }
        out.push_str(&format!("{:02}", abs / 60 % 60));
    }
    if style.seconds {
        if style.colon {
            out.push(':');
        }
        out.push_str(&format!("{:02}", abs % 60));
    }
}

/// The elements of a Go layout (`time`'s `std*` constants).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Chunk {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    Tz(OffsetStyle),
    ZoneName,
    Fraction { separator: char, digits: usize, trim: bool },
}

/// Go's `nextStdChunk`: the literal text before the next layout element, the element, and
/// what follows it.
fn next_chunk(layout: &str) -> (&str, Option<Chunk>, &str) {
    let b = layout.as_bytes();
    let at = |i: usize, s: &str| layout.get(i..).is_some_and(|r| r.starts_with(s));
    for i in 0..b.len() {
        let found: Option<(Chunk, usize)> = match b[i] {
            b'J' if at(i, "Jan") => Some(if at(i, "January") { (Chunk::LongMonth, 7) } else { (Chunk::Month, 3) }),
            b'M' if at(i, "Mon") => Some(if at(i, "Monday") { (Chunk::LongWeekDay, 6) } else { (Chunk::WeekDay, 3) }),
            b'M' if at(i, "MST") => Some((Chunk::ZoneName, 3)),
            b'0' if at(i, "002") => Some((Chunk::ZeroYearDay, 3)),
            b'0' if i + 1 < b.len() && (b'1'..=b'6').contains(&b[i + 1]) => Some((
                match b[i + 1] {
                    b'1' => Chunk::ZeroMonth,
                    b'2' => Chunk::ZeroDay,
                    b'3' => Chunk::ZeroHour12,
                    b'4' => Chunk::ZeroMinute,
                    b'5' => Chunk::ZeroSecond,
                    _ => Chunk::Year,
                },
                2,
            )),
            b'1' => Some(if at(i, "15") { (Chunk::Hour, 2) } else { (Chunk::NumMonth, 1) }),
            b'2' => Some(if at(i, "2006") { (Chunk::LongYear, 4) } else { (Chunk::Day, 1) }),
            b'_' if at(i, "_2") => {
                if at(i, "_2006") {
                    // "_" followed by a year: the underscore is literal.
                    return (&layout[..i + 1], Some(Chunk::LongYear), &layout[i + 5..]);
                }
                Some((Chunk::UnderDay, 2))
            }
            b'_' if at(i, "__2") => Some((Chunk::UnderYearDay, 3)),
            b'3' => Some((Chunk::Hour12, 1)),
            b'4' => Some((Chunk::Minute, 1)),
            b'5' => Some((Chunk::Second, 1)),
            b'P' if at(i, "PM") => Some((Chunk::PM, 2)),
            b'p' if at(i, "pm") => Some((Chunk::Pm, 2)),
            c @ (b'-' | b'Z') => {
                let z = c == b'Z';
                let style = |colon, minutes, seconds| Chunk::Tz(OffsetStyle { z, colon, minutes, seconds });
                let p = if z { "Z07" } else { "-07" };
                if at(i, &format!("{p}0000")) {
                    Some((style(false, true, true), 7))
                } else if at(i, &format!("{p}:00:00")) {
                    Some((style(true, true, true), 9))
                } else if at(i, &format!("{p}00")) {
                    Some((style(false, true, false), 5))
                } else if at(i, &format!("{p}:00")) {
                    Some((style(true, true, false), 6))
                } else if at(i, p) {
                    Some((style(false, false, false), 3))
                } else {
                    None
                }
            }
            c @ (b'.' | b',') if i + 1 < b.len() && (b[i + 1] == b'0' || b[i + 1] == b'9') => {
                let digit = b[i + 1];
                let mut j = i + 1;
                while j < b.len() && b[j] == digit {
                    j += 1;
                }
                if j < b.len() && b[j].is_ascii_digit() {
                    None
                } else {
                    Some((Chunk::Fraction { separator: c as char, digits: j - i - 1, trim: digit == b'9' }, j - i))
                }
            }
            _ => None,
        };
        if let Some((chunk, len)) = found {
            return (&layout[..i], Some(chunk), &layout[i + len..]);
        }
    }
    (layout, None, "")
}

/// Go's `ParseInLocation` error.
fn parse_error(value: &str, layout: &str, value_elem: &str, layout_elem: &str, message: &str) -> String {
    use gotmpl::lex::go_quote;
    if message.is_empty() {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            go_quote(value),
            go_quote(layout),
            go_quote(value_elem),
            go_quote(layout_elem)
        )
    } else {
        format!("parsing time {}{message}", go_quote(value))
    }
}

/// Leading digits of `s`: at least `min`, at most `max` (all if `max` is 0).
fn take_digits(s: &str, min: usize, max: usize) -> Option<(i64, &str)> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    let n = if max > 0 { n.min(max) } else { n };
    if n < min || n == 0 {
        return None;
    }
    Some((s[..n].parse().ok()?, &s[n..]))
}

fn lookup_name<'a>(s: &'a str, names: &[&str], abbreviated: bool) -> Option<(usize, &'a str)> {
    for (i, name) in names.iter().enumerate() {
        let name = if abbreviated { &name[..3] } else { name };
        if s.len() >= name.len() && s[..name.len()].eq_ignore_ascii_case(name) {
            return Some((i, &s[name.len()..]));
        }
    }
    None
}

/// Go's `time.ParseInLocation(layout, value, Local)` for the layout elements charts use.
pub fn parse_in_local(layout: &str, value: &str) -> Result<Time, String> {
    let (mut year, mut month, mut day) = (1i64, 1u32, 1u32);
    let (mut hour, mut minute, mut second, mut nanos) = (0u32, 0u32, 0u32, 0u32);
    let mut pm: Option<bool> = None;
    let mut offset: Option<i32> = None;
    let mut zone_name: Option<String> = None;
    let mut yday: Option<u32> = None;
    let mut layout_rest = layout;
    let mut v = value;
    loop {
        let (prefix, chunk, after) = next_chunk(layout_rest);
        let layout_elem = &layout_rest[prefix.len()..layout_rest.len() - after.len()];
        // The literal text must match exactly (spaces included).
        match v.strip_prefix(prefix) {
            Some(r) => v = r,
            None => return Err(parse_error(value, layout, v, prefix, "")),
        }
        let Some(chunk) = chunk else {
            if !v.is_empty() {
                return Err(parse_error(value, layout, "", "", &format!(": extra text: {}", gotmpl::lex::go_quote(v))));
            }
            break;
        };
        layout_rest = after;
        let bad = || parse_error(value, layout, v, layout_elem, "");
        let range_error = |what: &str| parse_error(value, layout, "", "", &format!(": {what} out of range"));
        match chunk {
            Chunk::LongYear => {
                if v.len() < 4 || !v.as_bytes()[..4].iter().all(u8::is_ascii_digit) {
                    return Err(bad());
                }
                year = v[..4].parse().map_err(|_| bad())?;
                v = &v[4..];
            }
            Chunk::Year => {
                let (y, r) = take_digits(v, 2, 2).ok_or_else(bad)?;
                year = if y >= 69 { y + 1900 } else { y + 2000 };
                v = r;
            }
            Chunk::LongMonth | Chunk::Month => {
                let (i, r) = lookup_name(v, &LONG_MONTHS, chunk == Chunk::Month).ok_or_else(bad)?;
                month = i as u32 + 1;
                v = r;
            }
            Chunk::NumMonth | Chunk::ZeroMonth => {
                let (m, r) = take_digits(v, if chunk == Chunk::ZeroMonth { 2 } else { 1 }, 2).ok_or_else(bad)?;
                if !(1..=12).contains(&m) {
                    return Err(range_error("month"));
                }
                month = m as u32;
                v = r;
            }
            Chunk::LongWeekDay | Chunk::WeekDay => {
                let (_, r) = lookup_name(v, &LONG_DAYS, chunk == Chunk::WeekDay).ok_or_else(bad)?;
                v = r;
            }
            Chunk::Day | Chunk::UnderDay | Chunk::ZeroDay => {
                if chunk == Chunk::UnderDay && v.starts_with(' ') {
                    v = &v[1..];
                }
                let (d, r) = take_digits(v, if chunk == Chunk::ZeroDay { 2 } else { 1 }, 2).ok_or_else(bad)?;
                day = d as u32;
                v = r;
            }
            Chunk::UnderYearDay | Chunk::ZeroYearDay => {
                let trimmed = if chunk == Chunk::UnderYearDay { v.trim_start_matches(' ') } else { v };
                let (d, r) = take_digits(trimmed, 1, 3).ok_or_else(bad)?;
                yday = Some(d as u32);
                v = r;
            }
            Chunk::Hour => {
                let (h, r) = take_digits(v, 1, 2).ok_or_else(bad)?;
                if h >= 24 {
                    return Err(range_error("hour"));
                }
                hour = h as u32;
                v = r;
            }
            Chunk::Hour12 | Chunk::ZeroHour12 => {
                let (h, r) = take_digits(v, if chunk == Chunk::ZeroHour12 { 2 } else { 1 }, 2).ok_or_else(bad)?;
                if h > 12 {
                    return Err(range_error("hour"));
                }
                hour = h as u32;
                v = r;
            }
            Chunk::Minute | Chunk::ZeroMinute => {
                let (m, r) = take_digits(v, if chunk == Chunk::ZeroMinute { 2 } else { 1 }, 2).ok_or_else(bad)?;
                if m >= 60 {
                    return Err(range_error("minute"));
                }
                minute = m as u32;
                v = r;
            }
            Chunk::Second | Chunk::ZeroSecond => {
                let (s, r) = take_digits(v, if chunk == Chunk::ZeroSecond { 2 } else { 1 }, 2).ok_or_else(bad)?;
                if s >= 60 {
                    return Err(range_error("second"));
                }
                second = s as u32;
                v = r;
                // Go accepts a fractional second after the seconds even if the layout
                // has none, unless the layout itself continues with a fraction.
                let (_, next, _) = next_chunk(layout_rest);
                let layout_has_fraction = matches!(next, Some(Chunk::Fraction { .. })) && next_chunk(layout_rest).0.is_empty();
                if !layout_has_fraction && (v.starts_with('.') || v.starts_with(',')) && v[1..].starts_with(|c: char| c.is_ascii_digit()) {
                    let (digits, r) = v[1..].split_at(v[1..].bytes().take_while(u8::is_ascii_digit).count());
                    nanos = fraction_nanos(digits);
                    v = r;
                }
            }
            Chunk::Fraction { digits, trim, .. } => {
                if !(v.starts_with('.') || v.starts_with(',')) {
                    if trim {
                        continue;
                    }
                    return Err(bad());
                }
                let count = v[1..].bytes().take_while(u8::is_ascii_digit).count();
                if !trim && count < digits {
                    return Err(bad());
                }
                let take = if trim { count } else { digits };
                nanos = fraction_nanos(&v[1..1 + take]);
                v = &v[1 + take..];
            }
            Chunk::PM | Chunk::Pm => {
                let word = v.get(..2).ok_or_else(bad)?;
                pm = Some(match word.to_ascii_uppercase().as_str() {
                    "PM" => true,
                    "AM" => false,
                    _ => return Err(bad()),
                });
                v = &v[2..];
            }
            Chunk::Tz(style) => {
                if style.z && v.starts_with('Z') {
                    v = &v[1..];
                    offset = Some(0);
                    zone_name = Some("UTC".into());
                    continue;
                }
                let sign = match v.as_bytes().first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => return Err(bad()),
                };
                let mut r = &v[1..];
                let (h, rest) = take_digits(r, 2, 2).ok_or_else(bad)?;
                r = rest;
                let mut total = h * 3600;
                for (wanted, factor) in [(style.minutes, 60), (style.seconds, 1)] {
                    if wanted {
                        if style.colon {
                            r = r.strip_prefix(':').ok_or_else(bad)?;
                        }
                        let (n, rest) = take_digits(r, 2, 2).ok_or_else(bad)?;
                        total += n * factor;
                        r = rest;
                    }
                }
                offset = Some(sign * total as i32);
                v = r;
            }
            Chunk::ZoneName => {
                if v.starts_with("UTC") {
                    zone_name = Some("UTC".into());
                    offset = offset.or(Some(0));
                    v = &v[3..];
                    continue;
                }
                let n = v.bytes().take_while(u8::is_ascii_uppercase).count();
                if n < 3 {
                    return Err(bad());
                }
                zone_name = Some(v[..n].to_string());
                v = &v[n..];
            }
        }
    }
    if let Some(is_pm) = pm {
        if is_pm && hour < 12 {
            hour += 12;
        } else if !is_pm && hour == 12 {
            hour = 0;
        }
    }
    if let Some(yd) = yday {
        let days = if is_leap(year) { 366 } else { 365 };
        if yd < 1 || yd > days {
            return Err(parse_error(value, layout, "", "", ": day-of-year out of range"));
        }
        let date = days_from_civil(year, 1, 1) + i64::from(yd) - 1;
        let (_, m, d) = civil_from_days(date);
        month = m;
        day = d;
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err(parse_error(value, layout, "", "", ": day out of range"));
    }
    let local_seconds = days_from_civil(year, month, day) * SECONDS_PER_DAY
        + i64::from(hour) * 3600
        + i64::from(minute) * 60
        + i64::from(second);
    let (unix, zone) = match (offset, zone_name) {
        (Some(0), _) | (None, Some(_)) | (None, None) => {
            // UTC, an unknown abbreviation, or no zone at all: Local, which is UTC here.
            let zone = match offset {
                Some(0) => Zone::Utc,
                _ => Zone::Local,
            };
            (local_seconds, zone)
        }
        (Some(off), name) => {
            (local_seconds - i64::from(off), Zone::Fixed { name: name.unwrap_or_default(), offset: off })
        }
    };
    Ok(Time { unix, nanos, zone, monotonic: None })
}

fn fraction_nanos(digits: &str) -> u32 {
    let mut padded: String = digits.chars().take(9).collect();
    while padded.len() < 9 {
        padded.push('0');
    }
    padded.parse().unwrap_or(0)
}

/// Go's `time.Duration.String`.
pub fn format_duration(d: i64) -> String {
    if d == 0 {
        return "0s".into();
    }
    let negative = d < 0;
    let u = d.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        // Below a second: one unit with a fraction.
        let (unit, scale) = if u < 1_000 {
            ("ns", 1)
        } else if u < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        out.push_str(&format_fraction(u, scale));
        out.push_str(unit);
    } else {
        let hours = u / 3_600_000_000_000;
        let minutes = u / 60_000_000_000 % 60;
        let seconds_nanos = u % 60_000_000_000;
        if hours > 0 {
            out.push_str(&format!("{hours}h"));
        }
        if hours > 0 || minutes > 0 {
            out.push_str(&format!("{minutes}m"));
        }
        out.push_str(&format_fraction(seconds_nanos, 1_000_000_000));
        out.push('s');
    }
    if negative {
        out.insert(0, '-');
    }
    out
}

/// `value / scale` with the remainder as decimals, trailing zeros trimmed.
fn format_fraction(value: u64, scale: u64) -> String {
    let whole = value / scale;
    let frac = value % scale;
    if frac == 0 {
        return whole.to_string();
    }
    let width = scale.to_string().len() - 1;
    let digits = format!("{frac:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// Go's `time.ParseDuration`, in nanoseconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    use gotmpl::lex::go_quote;
    let invalid = || format!("time: invalid duration {}", go_quote(text));
    let mut s = text;
    let negative = s.starts_with('-');
    if s.starts_with('-') || s.starts_with('+') {
        s = &s[1..];
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u128 = 0;
    while !s.is_empty() {
        if !s.starts_with(|c: char| c == '.' || c.is_ascii_digit()) {
            return Err(invalid());
        }
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &s[..int_len];
        s = &s[int_len..];
        let mut frac_part = "";
        if let Some(r) = s.strip_prefix('.') {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &r[..n];
            s = &r[n..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(invalid());
        }
        let unit_len = s.find(|c: char| c == '.' || c.is_ascii_digit()).unwrap_or(s.len());
        let unit = &s[..unit_len];
        s = &s[unit_len..];
        if unit.is_empty() {
            return Err(format!("time: missing unit in duration {}", go_quote(text)));
        }
        let scale: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(format!("time: unknown unit {} in duration {}", go_quote(unit), go_quote(text))),
        };
        let whole: u128 = if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| invalid())? };
        let mut value = whole.checked_mul(scale).ok_or_else(invalid)?;
        if !frac_part.is_empty() {
            // Go keeps the fraction's precision as far as it fits, then truncates.
            let mut frac_value: u128 = 0;
            let mut frac_scale: u128 = 1;
            for b in frac_part.bytes().take(30) {
                frac_value = frac_value * 10 + u128::from(b - b'0');
                frac_scale *= 10;
            }
            value += frac_value * scale / frac_scale;
        }
        total = total.checked_add(value).ok_or_else(invalid)?;
        if total > 1u128 << 63 {
            return Err(invalid());
        }
    }
    if total > i64::MAX as u128 && !(negative && total == 1u128 << 63) {
        return Err(invalid());
    }
    let signed = total as i128;
    Ok((if negative { -signed } else { signed }) as i64)
}

/// Go's `Duration.Round(time.Second)`: halfway values round away from zero.
fn round_to_second(d: i64) -> i64 {
    let m = NANOS_PER_SECOND;
    let r = d % m;
    if d < 0 {
        let r = -r;
        if r + r < m {
            d + r
        } else {
            d.checked_sub(m - r).unwrap_or(i64::MIN)
        }
    } else if r + r < m {
        d - r
    } else {
        d.checked_add(m - r).unwrap_or(i64::MAX)
    }
}

/// Sprig's `durationRound`: the largest unit only (`2h`, `3d`, `1mo`, `1y`).
fn duration_round(d: i64) -> String {
    let u = d.unsigned_abs();
    const HOUR: u64 = 3_600_000_000_000;
    let units: [(u64, &str); 6] = [
        (HOUR * 24 * 365, "y"),
        (HOUR * 24 * 30, "mo"),
        (HOUR * 24, "d"),
        (HOUR, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
    ];
    for (size, suffix) in units {
        if u > size {
            return format!("{}{suffix}", u / size);
        }
    }
    "0s".into()
}

impl Object for Time {
    fn type_name(&self) -> &str {
        "time.Time"
    }

    fn method(&self, name: &str) -> Option<Sig> {
        Some(match name {
            "Format" => Sig::new(&[Type::String]),
            "Add" => Sig::new(&[Type::Int64]),
            "AddDate" => Sig::new(&[Type::Int, Type::Int, Type::Int]),
            "String" | "Unix" | "UnixMilli" | "UnixMicro" | "UnixNano" | "Year" | "Month" | "Day" | "Hour"
            | "Minute" | "Second" | "Nanosecond" | "YearDay" | "Weekday" | "UTC" | "Local" | "IsZero" => {
                Sig::new(&[])
            }
            _ => return None,
        })
    }

    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        let c = self.civil();
        let int = |n: i64| Value::Int(n);
        let nanos_since_epoch = i128::from(self.unix) * i128::from(NANOS_PER_SECOND) + i128::from(self.nanos);
        Ok(match name {
            "Format" => Value::str(self.format(arg_str(args, 0))),
            "String" => Value::str(self.go_string()),
            "Unix" => Value::Int64(self.unix),
            "UnixMilli" => Value::Int64((nanos_since_epoch / 1_000_000) as i64),
            "UnixMicro" => Value::Int64((nanos_since_epoch / 1_000) as i64),
            "UnixNano" => Value::Int64(nanos_since_epoch as i64),
            "Year" => int(c.year),
            // time.Month and time.Weekday print as their names.
            "Month" => Value::str(LONG_MONTHS[c.month as usize - 1]),
            "Weekday" => Value::str(LONG_DAYS[c.weekday as usize]),
            "Day" => int(i64::from(c.day)),
            "Hour" => int(i64::from(c.hour)),
            "Minute" => int(i64::from(c.minute)),
            "Second" => int(i64::from(c.second)),
            "Nanosecond" => int(i64::from(self.nanos)),
            "YearDay" => int(i64::from(c.yday)),
            "UTC" => Value::object(Time { zone: Zone::Utc, ..self.clone() }),
            "Local" => Value::object(Time { zone: Zone::Local, ..self.clone() }),
            "IsZero" => Value::Bool(self.unix == Time::zero().unix && self.nanos == 0),
            "Add" => Value::object(self.add_nanos(args.first().and_then(Value::as_i64).unwrap_or(0))),
            "AddDate" => {
                let n = |i: usize| args.get(i).and_then(Value::as_i64).unwrap_or(0);
                // Go normalises overflowing months and days, as days_from_civil does.
                let total_months = c.year * 12 + i64::from(c.month) - 1 + n(1);
                let (year, month) = (total_months.div_euclid(12), total_months.rem_euclid(12) as u32 + 1);
                let days = days_from_civil(year + n(0), month, 1) + i64::from(c.day) - 1 + n(2);
                let seconds_in_day = i64::from(c.hour) * 3600 + i64::from(c.minute) * 60 + i64::from(c.second);
                let local = days * SECONDS_PER_DAY + seconds_in_day;
                Value::object(Time { unix: local - i64::from(c.offset), monotonic: None, ..self.clone() })
            }
            _ => return Err(format!("{name} is not a method of time.Time")),
        })
    }

    fn format_v(&self) -> String {
        self.go_string()
    }

    /// `Time.MarshalJSON`: RFC 3339 with as many fractional digits as needed.
    fn json_value(&self) -> Option<Value> {
        Some(Value::str(self.format("2006-01-02T15:04:05.999999999Z07:00")))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// The clock `now` reads.
pub type Clock = Arc<dyn Fn() -> Time + Send + Sync>;

/// The real clock, with a monotonic reading counted from the first use.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        let (unix, nanos) = wall_clock();
        static START: OnceLock<(i64, u32)> = OnceLock::new();
        let start = *START.get_or_init(|| (unix, nanos));
        let elapsed = (unix - start.0) * NANOS_PER_SECOND + i64::from(nanos) - i64::from(start.1);
        Time { unix, nanos, zone: Zone::Local, monotonic: Some(elapsed.max(0) + 1) }
    })
}

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
fn wall_clock() -> (i64, u32) {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
        Err(e) => {
            let d = e.duration();
            let total = -(d.as_nanos() as i128);
            (
                total.div_euclid(i128::from(NANOS_PER_SECOND)) as i64,
                total.rem_euclid(i128::from(NANOS_PER_SECOND)) as u32,
            )
        }
    }
}

/// Browsers have no `SystemTime`; JavaScript's `Date.now()` gives milliseconds.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
fn wall_clock() -> (i64, u32) {
    let millis = js_sys::Date::now() as i64;
    (millis.div_euclid(1000), (millis.rem_euclid(1000) * 1_000_000) as u32)
}

fn time_arg(v: Option<&Value>) -> Option<&Time> {
    match v {
        Some(Value::Object(o)) => o.as_any().downcast_ref::<Time>(),
        _ => None,
    }
}

/// The `time.Time` an `interface{}` date argument stands for, as Sprig's `dateInZone`
/// and `ago` switch on it: a time, an `int`/`int64` of Unix seconds, else now.
fn date_arg(v: Option<&Value>, clock: &Clock) -> Time {
    match v {
        Some(Value::Int(n)) | Some(Value::Int64(n)) => Time::from_unix(*n),
        other => time_arg(other).cloned().unwrap_or_else(|| clock()),
    }
}

fn date_in_zone(layout: &str, date: Option<&Value>, zone: &str, clock: &Clock) -> String {
    let zone = Zone::load(zone).unwrap_or(Zone::Utc);
    date_arg(date, clock).in_zone(zone).format(layout)
}

/// A `time.Time` parameter: the executor lets any value through, so check it here with
/// text/template's message.
fn require_time(v: Option<&Value>) -> Result<Time, FuncError> {
    time_arg(v).cloned().ok_or_else(|| {
        let got = v.map_or("<nil>".to_string(), Value::type_name);
        FuncError::msg(format!("wrong type for value; expected time.Time; got {got}"))
    })
}

/// Registers every date function with the system clock.
pub fn register(m: &mut FuncMap) {
    register_with_clock(m, system_clock());
}

/// Registers every date function, reading the time from `clock`.
pub fn register_with_clock(m: &mut FuncMap, clock: Clock) {
    let c = clock.clone();
    m.add("now", &[], move |_, _| Ok(Value::object(c())));
    let c = clock.clone();
    m.add("date", &[Type::String, Type::Any], move |_, args| {
        Ok(Value::str(date_in_zone(arg_str(args, 0), args.get(1), "Local", &c)))
    });
    let c = clock.clone();
    m.add("htmlDate", &[Type::Any], move |_, args| {
        Ok(Value::str(date_in_zone("2006-01-02", args.first(), "Local", &c)))
    });
    let c = clock.clone();
    m.add("htmlDateInZone", &[Type::Any, Type::String], move |_, args| {
        Ok(Value::str(date_in_zone("2006-01-02", args.first(), arg_str(args, 1), &c)))
    });
    for name in ["dateInZone", "date_in_zone"] {
        let c = clock.clone();
        m.add(name, &[Type::String, Type::Any, Type::String], move |_, args| {
            Ok(Value::str(date_in_zone(arg_str(args, 0), args.get(1), arg_str(args, 2), &c)))
        });
    }
    for name in ["dateModify", "date_modify"] {
        m.add(name, &[Type::String, Type::Any], |_, args| {
            let date = require_time(args.get(1))?;
            Ok(Value::object(match parse_duration(arg_str(args, 0)) {
                Ok(d) => date.add_nanos(d),
                Err(_) => date,
            }))
        });
    }
    for name in ["mustDateModify", "must_date_modify"] {
        m.add(name, &[Type::String, Type::Any], |_, args| {
            let date = require_time(args.get(1))?;
            let d = parse_duration(arg_str(args, 0)).map_err(FuncError::msg)?;
            Ok(Value::object(date.add_nanos(d)))
        });
    }
    let c = clock.clone();
    m.add("ago", &[Type::Any], move |_, args| {
        // Sprig's `ago` knows time.Time, int and int64 only.
        let then = date_arg(args.first(), &c);
        Ok(Value::str(format_duration(round_to_second(c().sub(&then)))))
    });
    m.add("duration", &[Type::Any], |_, args| {
        // A string of seconds or an int64; anything else (even an int) counts as 0.
        let seconds = match args.first() {
            Some(Value::String(s)) => s.parse::<i64>().unwrap_or(0),
            Some(Value::Int64(n)) => *n,
            _ => 0,
        };
        Ok(Value::str(format_duration(seconds.saturating_mul(NANOS_PER_SECOND))))
    });
    let c = clock.clone();
    m.add("durationRound", &[Type::Any], move |_, args| {
        let d = match args.first() {
            Some(Value::String(s)) => parse_duration(s).unwrap_or(0),
            Some(Value::Int64(n)) => *n,
            other => match time_arg(other) {
                Some(t) => c().sub(t),
                None => 0,
            },
        };
        Ok(Value::str(duration_round(d)))
    });
    m.add("toDate", &[Type::String, Type::String], |_, args| {
        Ok(Value::object(parse_in_local(arg_str(args, 0), arg_str(args, 1)).unwrap_or_else(|_| Time::zero())))
    });
    m.add("mustToDate", &[Type::String, Type::String], |_, args| {
        Ok(Value::object(parse_in_local(arg_str(args, 0), arg_str(args, 1)).map_err(FuncError::msg)?))
    });
    m.add("unixEpoch", &[Type::Any], |_, args| Ok(Value::str(require_time(args.first())?.unix.to_string())));
}
