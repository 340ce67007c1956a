//! DuckDB values as JSON, the way `tacometer sql` and the evidence lists show
//! them, from either of the driver's two forms: a [`Db`] value read from a row
//! ([`to_json`], the library's own row reads) or a cell of an Arrow column
//! ([`arrow_cell`], whole results read at once).
//!
//! Whole results are read from Arrow rather than row by row because the
//! driver's row reader panics on some column types (a bare `NULL`, a STRUCT
//! with a `NULL` field, `TIME_NS`): a user's query must never crash the CLI.

use chrono::{DateTime, NaiveDate};
use duckdb::arrow::array::{Array, ArrayRef, AsArray, PrimitiveArray};
use duckdb::arrow::datatypes::{
    ArrowDictionaryKeyType, ArrowPrimitiveType, DataType, Date32Type, Decimal128Type, DecimalType,
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, IntervalMonthDayNanoType,
    IntervalUnit, Time32MillisecondType, Time32SecondType, Time64MicrosecondType,
    Time64NanosecondType, TimeUnit as Unit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use duckdb::arrow::util::display::{ArrayFormatter, FormatOptions};
use duckdb::types::{TimeUnit, Value as Db};
use serde_json::{Map, Value, json};

use crate::output::plain;

/// Converts a DuckDB value to JSON; every format of `tacometer sql` shows the
/// same value (the table, CSV and Markdown as text):
///
/// * numbers as numbers, except floating infinities and NaN, which become the
///   strings `"inf"`, `"-inf"` and `"nan"` (DuckDB's own text for them): JSON
///   has no number for them, and `null` would hide the value; a HUGEINT
///   beyond 64 bits as a string of its digits;
/// * TIMESTAMP as RFC 3339 in UTC, DATE as `YYYY-MM-DD`, TIME as
///   `HH:MM:SS[.ffffff]`; DuckDB's infinite timestamps and dates as
///   `"infinity"` and `"-infinity"`;
/// * INTERVAL in DuckDB's text form: `1 day`, `1 day 02:00:00`,
///   `1 year 2 months`, `-01:30:00`;
/// * STRUCT as an object of its fields, MAP as an object whose keys are the
///   map's keys as text (as DuckDB's `to_json` does; a table cell shows it as
///   compact JSON), LIST and ARRAY as arrays; object keys come out in name
///   order, not in the STRUCT's or MAP's;
/// * BLOB and GEOMETRY as their size, UNION as its member's value.
pub fn to_json(v: Db) -> Value {
    match v {
        Db::Null => Value::Null,
        Db::Boolean(b) => json!(b),
        Db::TinyInt(i) => json!(i),
        Db::SmallInt(i) => json!(i),
        Db::Int(i) => json!(i),
        Db::BigInt(i) => json!(i),
        Db::HugeInt(i) => integer(i),
        Db::UHugeInt(i) => i128::try_from(i).map_or_else(|_| json!(i.to_string()), integer),
        Db::UTinyInt(i) => json!(i),
        Db::USmallInt(i) => json!(i),
        Db::UInt(i) => json!(i),
        Db::UBigInt(i) => json!(i),
        Db::Float(f) => float32(f),
        Db::Double(f) => float(f),
        Db::Decimal(d) => json!(d.to_string().parse::<f64>().unwrap_or(f64::NAN)),
        Db::Timestamp(unit, n) => timestamp(n, unit_of(unit)),
        Db::Date32(days) => date(days),
        Db::Time64(unit, n) => json!(clock(nanos(i128::from(n), unit_of(unit)))),
        Db::Interval {
            months,
            days,
            nanos,
        } => json!(interval(months, days, nanos)),
        Db::Text(s) => json!(s),
        Db::Enum(s) => json!(s),
        Db::Blob(b) => blob(b.len()),
        Db::Geometry(b) => json!(format!("<geometry, {} bytes>", b.len())),
        Db::List(items) | Db::Array(items) => {
            Value::Array(items.into_iter().map(to_json).collect())
        }
        Db::Struct(fields) => Value::Object(
            fields
                .iter()
                .map(|(name, v)| (name.clone(), to_json(v.clone())))
                .collect(),
        ),
        Db::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (plain(&to_json(k.clone())), to_json(v.clone())))
                .collect(),
        ),
        Db::Union(member) => to_json(*member),
        other => json!(format!("{other:?}")),
    }
}

/// The value in row `i` of an Arrow column, by the rules of [`to_json`].
/// A type those rules do not cover shows as Arrow's text for the value.
pub(crate) fn arrow_cell(array: &dyn Array, i: usize) -> Value {
    if i >= array.len() || matches!(array.data_type(), DataType::Null) || array.is_null(i) {
        return Value::Null;
    }
    known_cell(array, i).unwrap_or_else(|| formatted(array, i))
}

/// [`arrow_cell`] for the types with a rule of their own; `None` for the others.
fn known_cell(array: &dyn Array, i: usize) -> Option<Value> {
    Some(match array.data_type() {
        DataType::Boolean => json!(array.as_boolean_opt()?.value(i)),
        DataType::Int8 => json!(primitive::<Int8Type>(array, i)?),
        DataType::Int16 => json!(primitive::<Int16Type>(array, i)?),
        DataType::Int32 => json!(primitive::<Int32Type>(array, i)?),
        DataType::Int64 => json!(primitive::<Int64Type>(array, i)?),
        DataType::UInt8 => json!(primitive::<UInt8Type>(array, i)?),
        DataType::UInt16 => json!(primitive::<UInt16Type>(array, i)?),
        DataType::UInt32 => json!(primitive::<UInt32Type>(array, i)?),
        DataType::UInt64 => json!(primitive::<UInt64Type>(array, i)?),
        DataType::Float32 => float32(primitive::<Float32Type>(array, i)?),
        DataType::Float64 => float(primitive::<Float64Type>(array, i)?),
        // DuckDB hands HUGEINT over as a DECIMAL(38, 0).
        DataType::Decimal128(_, 0) => integer(primitive::<Decimal128Type>(array, i)?),
        DataType::Decimal128(precision, scale) => {
            let text = Decimal128Type::format_decimal(
                primitive::<Decimal128Type>(array, i)?,
                *precision,
                *scale,
            );
            json!(text.parse::<f64>().ok()?)
        }
        DataType::Utf8 => json!(array.as_string_opt::<i32>()?.value(i)),
        DataType::LargeUtf8 => json!(array.as_string_opt::<i64>()?.value(i)),
        DataType::Utf8View => json!(array.as_string_view_opt()?.value(i)),
        DataType::Binary => blob(array.as_binary_opt::<i32>()?.value(i).len()),
        DataType::LargeBinary => blob(array.as_binary_opt::<i64>()?.value(i).len()),
        DataType::BinaryView => blob(array.as_binary_view_opt()?.value(i).len()),
        DataType::FixedSizeBinary(n) => blob(usize::try_from(*n).ok()?),
        DataType::Date32 => date(primitive::<Date32Type>(array, i)?),
        DataType::Timestamp(unit, _) => {
            let n = match unit {
                Unit::Second => primitive::<TimestampSecondType>(array, i)?,
                Unit::Millisecond => primitive::<TimestampMillisecondType>(array, i)?,
                Unit::Microsecond => primitive::<TimestampMicrosecondType>(array, i)?,
                Unit::Nanosecond => primitive::<TimestampNanosecondType>(array, i)?,
            };
            timestamp(n, *unit)
        }
        DataType::Time32(unit) => {
            let n = match unit {
                Unit::Second => primitive::<Time32SecondType>(array, i)?,
                Unit::Millisecond => primitive::<Time32MillisecondType>(array, i)?,
                _ => return None,
            };
            json!(clock(nanos(i128::from(n), *unit)))
        }
        DataType::Time64(unit) => {
            let n = match unit {
                Unit::Microsecond => primitive::<Time64MicrosecondType>(array, i)?,
                Unit::Nanosecond => primitive::<Time64NanosecondType>(array, i)?,
                _ => return None,
            };
            json!(clock(nanos(i128::from(n), *unit)))
        }
        DataType::Interval(IntervalUnit::MonthDayNano) => {
            let v = primitive::<IntervalMonthDayNanoType>(array, i)?;
            json!(interval(v.months, v.days, v.nanoseconds))
        }
        DataType::List(_) => items(&array.as_list_opt::<i32>()?.value(i)),
        DataType::LargeList(_) => items(&array.as_list_opt::<i64>()?.value(i)),
        DataType::ListView(_) => items(&array.as_list_view_opt::<i32>()?.value(i)),
        DataType::LargeListView(_) => items(&array.as_list_view_opt::<i64>()?.value(i)),
        DataType::FixedSizeList(..) => items(&array.as_fixed_size_list_opt()?.value(i)),
        DataType::Struct(fields) => {
            let s = array.as_struct_opt()?;
            Value::Object(
                fields
                    .iter()
                    .zip(s.columns())
                    .map(|(f, column)| (f.name().clone(), arrow_cell(column.as_ref(), i)))
                    .collect(),
            )
        }
        DataType::Map(..) => {
            let entries = array.as_map_opt()?.value(i);
            let (keys, values) = (entries.columns().first()?, entries.columns().get(1)?);
            let mut object = Map::new();
            for j in 0..entries.len() {
                object.insert(
                    plain(&arrow_cell(keys.as_ref(), j)),
                    arrow_cell(values.as_ref(), j),
                );
            }
            Value::Object(object)
        }
        DataType::Union(fields, _) => {
            let u = array.as_union_opt()?;
            let id = u.type_id(i);
            fields.iter().find(|(t, _)| *t == id)?;
            arrow_cell(u.child(id).as_ref(), u.value_offset(i))
        }
        DataType::Dictionary(key, _) => match key.as_ref() {
            DataType::UInt8 => dictionary::<UInt8Type>(array, i)?,
            DataType::UInt16 => dictionary::<UInt16Type>(array, i)?,
            DataType::UInt32 => dictionary::<UInt32Type>(array, i)?,
            DataType::Int8 => dictionary::<Int8Type>(array, i)?,
            DataType::Int16 => dictionary::<Int16Type>(array, i)?,
            DataType::Int32 => dictionary::<Int32Type>(array, i)?,
            _ => return None,
        },
        _ => return None,
    })
}

/// Row `i` of a primitive column of type `T`, if the column is one.
fn primitive<T: ArrowPrimitiveType>(array: &dyn Array, i: usize) -> Option<T::Native> {
    let a: &PrimitiveArray<T> = array.as_primitive_opt::<T>()?;
    Some(a.value(i))
}

/// Row `i` of a dictionary-encoded column (DuckDB's ENUM): the value its key points at.
fn dictionary<K: ArrowDictionaryKeyType>(array: &dyn Array, i: usize) -> Option<Value> {
    use duckdb::arrow::datatypes::ArrowNativeType as _;
    let d = array.as_dictionary_opt::<K>()?;
    let key = d.keys().value(i).to_usize()?;
    Some(arrow_cell(d.values().as_ref(), key))
}

/// Every value of a list's items.
fn items(values: &ArrayRef) -> Value {
    Value::Array(
        (0..values.len())
            .map(|j| arrow_cell(values.as_ref(), j))
            .collect(),
    )
}

/// Arrow's own text for a value of a type without a rule here.
fn formatted(array: &dyn Array, i: usize) -> Value {
    ArrayFormatter::try_new(array, &FormatOptions::default())
        .and_then(|f| f.value(i).try_to_string())
        .map_or_else(|_| json!(format!("<{}>", array.data_type())), Value::from)
}

/// An integer: a JSON number when it fits 64 bits, else its digits as a string.
fn integer(i: i128) -> Value {
    i64::try_from(i).map_or_else(|_| json!(i.to_string()), |x| json!(x))
}

/// A FLOAT through its shortest text, so 0.1 reads 0.1, not 0.10000000149011612.
fn float32(f: f32) -> Value {
    float(f.to_string().parse::<f64>().unwrap_or(f64::from(f)))
}

/// A floating value: a number when finite, else DuckDB's text for it (JSON
/// numbers cannot be infinite or NaN).
fn float(f: f64) -> Value {
    if f.is_nan() {
        json!("nan")
    } else if f.is_infinite() {
        json!(if f > 0.0 { "inf" } else { "-inf" })
    } else {
        json!(f)
    }
}

/// A BLOB (or BIT, VARINT) by its size.
fn blob(len: usize) -> Value {
    json!(format!("<{len} bytes>"))
}

/// A TIMESTAMP of `n` units since the epoch, as RFC 3339 in UTC; DuckDB's
/// infinities by name; `null` beyond what chrono can hold.
fn timestamp(n: i64, unit: Unit) -> Value {
    if n == i64::MAX {
        return json!("infinity");
    }
    if n == -i64::MAX {
        return json!("-infinity");
    }
    let micros = match unit {
        Unit::Second => n.saturating_mul(1_000_000),
        Unit::Millisecond => n.saturating_mul(1_000),
        Unit::Microsecond => n,
        Unit::Nanosecond => n / 1_000,
    };
    DateTime::from_timestamp_micros(micros).map_or(Value::Null, |t| json!(crate::time::rfc3339(t)))
}

/// A DATE of `days` since the epoch; DuckDB's infinities by name.
fn date(days: i32) -> Value {
    if days == i32::MAX {
        return json!("infinity");
    }
    if days == -i32::MAX {
        return json!("-infinity");
    }
    days.checked_add(719_163)
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .map_or(Value::Null, |d| json!(d.to_string()))
}

/// The driver's time unit as Arrow's.
fn unit_of(unit: TimeUnit) -> Unit {
    match unit {
        TimeUnit::Second => Unit::Second,
        TimeUnit::Millisecond => Unit::Millisecond,
        TimeUnit::Microsecond => Unit::Microsecond,
        TimeUnit::Nanosecond => Unit::Nanosecond,
    }
}

/// `n` units as nanoseconds.
fn nanos(n: i128, unit: Unit) -> i128 {
    n * match unit {
        Unit::Second => 1_000_000_000,
        Unit::Millisecond => 1_000_000,
        Unit::Microsecond => 1_000,
        Unit::Nanosecond => 1,
    }
}

/// `HH:MM:SS`, with the fraction of a second when there is one (trailing
/// zeros dropped), hours not wrapped at 24; a leading `-` when negative.
fn clock(nanos: i128) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let nanos = nanos.unsigned_abs();
    let (hours, rest) = (nanos / 3_600_000_000_000, nanos % 3_600_000_000_000);
    let (minutes, rest) = (rest / 60_000_000_000, rest % 60_000_000_000);
    let (seconds, fraction) = (rest / 1_000_000_000, rest % 1_000_000_000);
    let mut text = format!("{sign}{hours:02}:{minutes:02}:{seconds:02}");
    if fraction > 0 {
        text.push('.');
        text.push_str(format!("{fraction:09}").trim_end_matches('0'));
    }
    text
}

/// DuckDB's text for an interval: years, months and days, each with its own
/// sign, then the time (`1 year 2 months 3 days 04:05:06.789`,
/// `-1 day -02:00:00`); `00:00:00` when it is zero.
fn interval(months: i32, days: i32, nanos: i64) -> String {
    let mut parts = Vec::new();
    let mut unit = |n: i32, name: &str| {
        if n != 0 {
            let plural = if n.unsigned_abs() == 1 { "" } else { "s" };
            parts.push(format!("{n} {name}{plural}"));
        }
    };
    unit(months / 12, "year");
    unit(months % 12, "month");
    unit(days, "day");
    if nanos != 0 || parts.is_empty() {
        parts.push(clock(i128::from(nanos)));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_and_intervals_read_as_duckdb_writes_them() {
        assert_eq!(clock(0), "00:00:00");
        assert_eq!(clock(nanos(45_296_000_000, Unit::Microsecond)), "12:34:56");
        assert_eq!(clock(1_500_000_000), "00:00:01.5");
        assert_eq!(clock(123_456_789), "00:00:00.123456789");
        assert_eq!(clock(-5_400_000_000_000), "-01:30:00");
        assert_eq!(interval(0, 1, 0), "1 day");
        assert_eq!(
            interval(14, 3, 14_706_789_000_000),
            "1 year 2 months 3 days 04:05:06.789"
        );
        assert_eq!(interval(-14, 0, 0), "-1 year -2 months");
        assert_eq!(interval(0, 1, -3_600_000_000_000), "1 day -01:00:00");
        assert_eq!(interval(0, 0, 0), "00:00:00");
        assert_eq!(interval(1, 2, 0), "1 month 2 days");
    }

    #[test]
    fn non_finite_floats_are_named_and_large_integers_kept_whole() {
        assert_eq!(float(f64::INFINITY), json!("inf"));
        assert_eq!(float(f64::NEG_INFINITY), json!("-inf"));
        assert_eq!(float(f64::NAN), json!("nan"));
        assert_eq!(float32(0.1), json!(0.1));
        assert_eq!(
            integer(i128::from(i64::MAX) + 1),
            json!("9223372036854775808")
        );
        assert_eq!(integer(-3), json!(-3));
    }
}
