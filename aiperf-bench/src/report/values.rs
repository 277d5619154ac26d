//! How the report writes its values as AIPerf does: times in local time without an offset, a
//! URL as users write it, no nulls, and a run's id.

use std::time::SystemTime;

use serde_json::Value;

/// `value` without its null members, at every depth.
pub(super) fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(object) => {
            object.retain(|_, v| !v.is_null());
            object.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// `t` as AIPerf writes its start and end times: the local date and time without an offset, to
/// the microsecond, the fraction left out when it is zero (Python's `isoformat`).
pub(super) fn local_time(t: SystemTime) -> String {
    let Ok(timestamp) = jiff::Timestamp::try_from(t) else { return String::new() };
    let local = timestamp.to_zoned(jiff::tz::TimeZone::system()).datetime();
    let seconds = local.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    match local.subsec_nanosecond() / 1000 {
        0 => seconds,
        micros => format!("{seconds}.{micros:06}"),
    }
}

/// 12 hex characters identifying a run.
pub(super) fn benchmark_id(start: SystemTime, seed: u64) -> String {
    let nanos = start.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let mut rng = fastrand::Rng::with_seed(nanos ^ seed.rotate_left(17) ^ u64::from(std::process::id()));
    format!("{:012x}", rng.u64(..) & 0xffff_ffff_ffff)
}

/// A server URL as users write it: without the `/` the url crate adds as the path of `http://host`.
pub(super) fn url_text(url: &aiperf_core::Url) -> &str {
    let text = url.as_str();
    if url.path() == "/" && url.query().is_none() && url.fragment().is_none() { text.strip_suffix('/').unwrap_or(text) } else { text }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::local_time;

    #[test]
    fn times_are_written_as_python_s_isoformat_writes_them() {
        let at = |secs: u64, micros: u64| local_time(SystemTime::UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_micros(micros));
        let with = at(1_796_618_907, 517_931);
        let shape: Vec<usize> = with.split(['-', 'T', ':', '.']).map(str::len).collect();
        assert_eq!(shape, [4, 2, 2, 2, 2, 2, 6], "{with}");
        assert!(with.ends_with(":27.517931") && !with.contains(['Z', '+']), "local time, no offset: {with}");
        let whole = at(1_796_618_907, 0);
        assert_eq!(whole.len(), 19, "no fraction when it is zero: {whole}");
        assert!(with.starts_with(&whole), "{with} {whole}");
    }
}
