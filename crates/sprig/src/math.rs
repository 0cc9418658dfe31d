//! Sprig's numeric functions (numeric.go and the arithmetic entries of functions.go).
//!
//! * Integer arithmetic (`add`, `sub`, `mul`, `div`, `mod`, `max`, `min`) converts every
//!   operand with `cast.ToInt64` (strings are parsed, floats truncated, junk is 0) and
//!   returns `int64`, wrapping on overflow as Go does.
//! * The float family (`addf`, `subf`, `mulf`, `divf`, `add1f`) goes through
//!   shopspring/decimal: each operand becomes the exact decimal of its shortest float
//!   representation, the arithmetic is exact (division rounds half away from zero at 16
//!   decimal places), and the result is converted back to the nearest float64. That is why
//!   `addf 0.1 0.2` is `0.3`, not `0.30000000000000004`.
//! * `maxf`, `minf`, `floor`, `ceil`, `round` use plain float64 arithmetic.

use num_bigint::BigInt;
use num_integer::Integer;

use gotmpl::{FuncError, FuncMap, Type, Value};

use crate::conv::{arg, arg_int, arg_str, to_float64, to_int, to_int64};

/// The most numbers `until`, `untilStep` and `seq` will produce. Go has no such limit (it
/// would allocate until memory runs out); we refuse rather than exhaust memory.
const MAX_SEQUENCE: i64 = 1 << 24;

pub fn register(m: &mut FuncMap) {
    use Type::{Any, Float64, Int, String as S};

    m.add("atoi", &[S], |_, a| Ok(Value::Int(go_atoi(arg_str(a, 0)))));
    m.add("int64", &[Any], |_, a| Ok(Value::Int64(to_int64(&arg(a, 0)))));
    m.add("int", &[Any], |_, a| Ok(Value::Int(to_int(&arg(a, 0)))));
    m.add("float64", &[Any], |_, a| Ok(Value::Float(to_float64(&arg(a, 0)))));
    m.add("toDecimal", &[Any], |_, a| Ok(Value::Int64(to_decimal(&arg(a, 0)))));
    m.add_variadic("seq", &[], Int, |_, a| {
        let params: Vec<i64> = a.iter().filter_map(Value::as_i64).collect();
        seq(&params).map(Value::from).map_err(FuncError::Msg)
    });
    m.add("until", &[Int], |_, a| {
        let count = arg_int(a, 0);
        until_step(0, count, if count < 0 { -1 } else { 1 }).map(int_list).map_err(FuncError::Msg)
    });
    m.add("untilStep", &[Int, Int, Int], |_, a| {
        until_step(arg_int(a, 0), arg_int(a, 1), arg_int(a, 2)).map(int_list).map_err(FuncError::Msg)
    });

    m.add("add1", &[Any], |_, a| Ok(Value::Int64(to_int64(&arg(a, 0)).wrapping_add(1))));
    m.add_variadic("add", &[], Any, |_, a| {
        Ok(Value::Int64(a.iter().fold(0i64, |acc, v| acc.wrapping_add(to_int64(v)))))
    });
    m.add("sub", &[Any, Any], |_, a| Ok(Value::Int64(to_int64(&arg(a, 0)).wrapping_sub(to_int64(&arg(a, 1))))));
    m.add("div", &[Any, Any], |_, a| go_int_div(to_int64(&arg(a, 0)), to_int64(&arg(a, 1)), false));
    m.add("mod", &[Any, Any], |_, a| go_int_div(to_int64(&arg(a, 0)), to_int64(&arg(a, 1)), true));
    m.add_variadic("mul", &[Any], Any, |_, a| {
        Ok(Value::Int64(a[1..].iter().fold(to_int64(&arg(a, 0)), |acc, v| acc.wrapping_mul(to_int64(v)))))
    });
    for name in ["max", "biggest"] {
        m.add_variadic(name, &[Any], Any, |_, a| {
            Ok(Value::Int64(a[1..].iter().map(to_int64).fold(to_int64(&arg(a, 0)), i64::max)))
        });
    }
    m.add_variadic("min", &[Any], Any, |_, a| {
        Ok(Value::Int64(a[1..].iter().map(to_int64).fold(to_int64(&arg(a, 0)), i64::min)))
    });
    m.add_variadic("maxf", &[Any], Any, |_, a| {
        Ok(Value::Float(a[1..].iter().map(to_float64).fold(to_float64(&arg(a, 0)), go_max)))
    });
    m.add_variadic("minf", &[Any], Any, |_, a| {
        Ok(Value::Float(a[1..].iter().map(to_float64).fold(to_float64(&arg(a, 0)), go_min)))
    });
    m.add("floor", &[Any], |_, a| Ok(Value::Float(to_float64(&arg(a, 0)).floor())));
    m.add("ceil", &[Any], |_, a| Ok(Value::Float(to_float64(&arg(a, 0)).ceil())));
    m.add_variadic("round", &[Any, Int], Float64, |_, a| {
        let round_on = a.get(2).map(to_float64).unwrap_or(0.5);
        Ok(Value::Float(round(to_float64(&arg(a, 0)), arg_int(a, 1), round_on)))
    });

    m.add("add1f", &[Any], |_, a| decimal_op(&arg(a, 0), &[Value::Int(1)], DecimalOp::Add));
    m.add_variadic("addf", &[], Any, |_, a| decimal_op(&Value::Float(0.0), a, DecimalOp::Add));
    m.add_variadic("subf", &[Any], Any, |_, a| decimal_op(&arg(a, 0), &a[1..], DecimalOp::Sub));
    m.add_variadic("mulf", &[Any], Any, |_, a| decimal_op(&arg(a, 0), &a[1..], DecimalOp::Mul));
    m.add_variadic("divf", &[Any], Any, |_, a| decimal_op(&arg(a, 0), &a[1..], DecimalOp::Div));
}

fn int_list(values: Vec<i64>) -> Value {
    Value::typed_list(Type::Int, values.into_iter().map(Value::Int).collect())
}

/// Go's `/` and `%` on int64: division by zero panics; `MinInt64 / -1` wraps.
fn go_int_div(a: i64, b: i64, remainder: bool) -> Result<Value, FuncError> {
    if b == 0 {
        return Err("runtime error: integer divide by zero".into());
    }
    Ok(Value::Int64(if remainder { a.wrapping_rem(b) } else { a.wrapping_div(b) }))
}

/// `atoi`: Go's `strconv.Atoi` (an optional sign and decimal digits, nothing else), with
/// errors turned into 0.
pub fn go_atoi(s: &str) -> i64 {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    // strconv.Atoi's range error still returns the value clamped to int's bounds, and
    // Sprig ignores the error.
    s.parse::<i64>().unwrap_or(if s.starts_with('-') { i64::MIN } else { i64::MAX })
}

/// `toDecimal`: the value's `fmt.Sprint` text read as an octal number; 0 if it is not one.
pub fn to_decimal(v: &Value) -> i64 {
    let text = gotmpl::gofmt::format_v(v);
    parse_octal(&text).unwrap_or(0)
}

/// Go's `strconv.ParseInt(s, 8, 64)`: optional sign, octal digits (underscores are not
/// allowed with an explicit base).
fn parse_octal(s: &str) -> Option<i64> {
    let (negative, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    for c in digits.chars() {
        let d = c.to_digit(8)?;
        value = value.checked_mul(8)?.checked_add(u64::from(d))?;
    }
    if negative {
        if value > 1u64 << 63 {
            return None;
        }
        Some((value as i64).wrapping_neg())
    } else {
        i64::try_from(value).ok()
    }
}

/// Sprig's `untilStep`: from `start` toward `stop` (exclusive) by `step`; nothing when the
/// step points away from `stop`.
pub fn until_step(start: i64, stop: i64, step: i64) -> Result<Vec<i64>, String> {
    let mut out = Vec::new();
    if stop < start {
        if step >= 0 {
            return Ok(out);
        }
        let mut i = start;
        while i > stop {
            push_bounded(&mut out, i)?;
            i = match i.checked_add(step) {
                Some(next) => next,
                None => break,
            };
        }
        return Ok(out);
    }
    if step <= 0 {
        return Ok(out);
    }
    let mut i = start;
    while i < stop {
        push_bounded(&mut out, i)?;
        i = match i.checked_add(step) {
            Some(next) => next,
            None => break,
        };
    }
    Ok(out)
}

fn push_bounded(out: &mut Vec<i64>, v: i64) -> Result<(), String> {
    if out.len() as i64 >= MAX_SEQUENCE {
        return Err(format!("sequence longer than {MAX_SEQUENCE} numbers"));
    }
    out.push(v);
    Ok(())
}

/// Sprig's `seq`, like the Unix command: `seq END`, `seq START END`, `seq START STEP END`,
/// as a space-separated string.
pub fn seq(params: &[i64]) -> Result<String, String> {
    let numbers = match *params {
        [end] => {
            let increment = if end < 1 { -1 } else { 1 };
            until_step(1, end.wrapping_add(increment), increment)?
        }
        [start, end] => {
            let step = if end < start { -1 } else { 1 };
            until_step(start, end.wrapping_add(step), step)?
        }
        [start, step, end] => {
            let mut increment = 1;
            if end < start {
                increment = -1;
                if step > 0 {
                    return Ok(String::new());
                }
            }
            until_step(start, end.wrapping_add(increment), step)?
        }
        _ => return Ok(String::new()),
    };
    Ok(numbers.iter().map(i64::to_string).collect::<Vec<_>>().join(" "))
}

/// Go's `math.Max`: NaN wins, and +0 is larger than -0.
fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    if a == 0.0 && b == 0.0 {
        return if a.is_sign_negative() { b } else { a };
    }
    if a > b {
        a
    } else {
        b
    }
}

/// Go's `math.Min`: NaN wins, and -0 is smaller than +0.
fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    if a == 0.0 && b == 0.0 {
        return if a.is_sign_negative() { a } else { b };
    }
    if a < b {
        a
    } else {
        b
    }
}

/// Sprig's `round`: scale by 10^places, take the ceiling when the fractional part (Go's
/// `math.Modf`, negative for negative numbers) is at least `round_on`, the floor otherwise,
/// and scale back. So negative halves round away from zero: -2.5 has fraction -0.5, below
/// 0.5, and is floored to -3.
pub fn round(value: f64, places: i64, round_on: f64) -> f64 {
    let pow = 10f64.powf(places as f64);
    let digit = pow * value;
    let fraction = digit - digit.trunc();
    let rounded = if fraction >= round_on { digit.ceil() } else { digit.floor() };
    rounded / pow
}

#[derive(Clone, Copy)]
enum DecimalOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// Sprig's `execDecimalOp`: fold the operands with exact decimal arithmetic.
fn decimal_op(first: &Value, rest: &[Value], op: DecimalOp) -> Result<Value, FuncError> {
    let mut acc = Decimal::from_f64(to_float64(first))?;
    for operand in rest {
        let d = Decimal::from_f64(to_float64(operand))?;
        acc = match op {
            DecimalOp::Add => acc.add(&d),
            DecimalOp::Sub => acc.sub(&d),
            DecimalOp::Mul => acc.mul(&d),
            DecimalOp::Div => acc.div(&d)?,
        };
    }
    Ok(Value::Float(acc.to_f64()))
}

/// An exact decimal `mantissa × 10^exponent`, the part of shopspring/decimal that Sprig uses.
#[derive(Clone, Debug)]
struct Decimal {
    mantissa: BigInt,
    exponent: i64,
}

/// shopspring/decimal's `DivisionPrecision`: quotients keep 16 decimal places.
const DIVISION_PRECISION: i64 = 16;

impl Decimal {
    /// `decimal.NewFromFloat`: the shortest decimal that reads back as `f`. NaN and
    /// infinities panic in Go.
    fn from_f64(f: f64) -> Result<Decimal, FuncError> {
        if !f.is_finite() {
            let shown = if f.is_nan() { "NaN" } else if f > 0.0 { "+Inf" } else { "-Inf" };
            return Err(format!("Cannot create a Decimal from {shown}").into());
        }
        // Rust's `{:e}` prints the shortest round-trip digits, e.g. "1.2345e-5".
        let text = format!("{f:e}");
        let (digits, exp) = text.split_once('e').unwrap_or((&text, "0"));
        let exp: i64 = exp.parse().unwrap_or(0);
        let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
        let mantissa: BigInt = format!("{int_part}{frac_part}").parse().unwrap_or_default();
        Ok(Decimal { mantissa, exponent: exp - frac_part.len() as i64 })
    }

    fn scaled_to(&self, exponent: i64) -> BigInt {
        // Only ever called with exponent <= self.exponent.
        let shift = (self.exponent - exponent).max(0) as u32;
        &self.mantissa * BigInt::from(10u8).pow(shift)
    }

    fn add(&self, other: &Decimal) -> Decimal {
        let exponent = self.exponent.min(other.exponent);
        Decimal { mantissa: self.scaled_to(exponent) + other.scaled_to(exponent), exponent }
    }

    fn sub(&self, other: &Decimal) -> Decimal {
        let exponent = self.exponent.min(other.exponent);
        Decimal { mantissa: self.scaled_to(exponent) - other.scaled_to(exponent), exponent }
    }

    fn mul(&self, other: &Decimal) -> Decimal {
        Decimal { mantissa: &self.mantissa * &other.mantissa, exponent: self.exponent + other.exponent }
    }

    /// `Decimal.Div`: `DivRound(d2, 16)`, the quotient to 16 decimal places, rounded half
    /// away from zero.
    fn div(&self, other: &Decimal) -> Result<Decimal, FuncError> {
        if other.mantissa == BigInt::from(0) {
            return Err("decimal division by 0".into());
        }
        // self / other × 10^16 = (m1 / m2) × 10^(e1 − e2 + 16)
        let scale = self.exponent - other.exponent + DIVISION_PRECISION;
        let ten = BigInt::from(10u8);
        let (numerator, denominator) = if scale >= 0 {
            (&self.mantissa * ten.pow(scale as u32), other.mantissa.clone())
        } else {
            (self.mantissa.clone(), &other.mantissa * ten.pow((-scale) as u32))
        };
        let (quotient, remainder) = numerator.div_rem(&denominator);
        let twice_remainder = remainder.magnitude() * 2u8;
        let mut quotient = quotient;
        if twice_remainder >= *denominator.magnitude() {
            let negative = (self.mantissa < BigInt::from(0)) != (other.mantissa < BigInt::from(0));
            quotient += if negative { -1 } else { 1 };
        }
        Ok(Decimal { mantissa: quotient, exponent: -DIVISION_PRECISION })
    }

    /// `Decimal.Float64`: the float64 nearest to the exact value.
    fn to_f64(&self) -> f64 {
        format!("{}e{}", self.mantissa, self.exponent).parse().unwrap_or(0.0)
    }
}
