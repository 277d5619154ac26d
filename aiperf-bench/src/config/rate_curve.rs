//! How a rate's arrivals come: `--arrival-smoothness` (the shape of gamma arrivals), and
//! `--request-rate-ramp-duration` and `--request-rate-series`, a rate that changes through the
//! profiling phase, read and checked once. A series file is AIPerf 0.13's JSON,
//! `{"points": [{"time_s": 0, "qps": 2}, …]}` or the bare array: at least two points, `time_s`
//! from 0 and strictly increasing, `qps` above 0, nothing else.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use aiperf_core::Settings;

use super::{BenchConfig, seconds};
use crate::error::{ProfileError, invalid};

/// A rate series: `(seconds from its start, requests per second)`, in time order.
pub(crate) type RatePoints = Arc<[(f64, f64)]>;

/// The flag a series file comes from.
const SERIES: &str = "--request-rate-series";

/// One point of a series file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Point {
    time_s: f64,
    qps: f64,
}

/// A series file: the object or the bare array.
#[derive(Deserialize)]
#[serde(untagged, deny_unknown_fields)]
enum SeriesFile {
    /// `{"points": [...]}`.
    Object {
        /// The points.
        points: Vec<Point>,
    },
    /// `[...]`.
    Array(Vec<Point>),
}

/// `--request-rate-ramp-duration`, which needs a rate (`--request-rate` or a series).
pub(super) fn rate_ramp(args: &BenchConfig, rated: bool) -> Result<Option<Duration>, ProfileError> {
    let Some(value) = args.request_rate_ramp_duration else { return Ok(None) };
    let ramp = seconds("--request-rate-ramp-duration", value, false)?;
    if !rated {
        let reason = "ramps a rate: give --request-rate or --request-rate-series".to_owned();
        return Err(ProfileError::Flags { flag: "--request-rate-ramp-duration", reason });
    }
    Ok(Some(ramp))
}

/// The points of `--request-rate-series`, `(seconds, requests per second)`.
pub(super) fn rate_series(args: &BenchConfig) -> Result<Option<RatePoints>, ProfileError> {
    let Some(path) = &args.request_rate_series else { return Ok(None) };
    if args.request_rate.is_some() {
        let reason = "and --request-rate both set the rate: give one".to_owned();
        return Err(ProfileError::Flags { flag: SERIES, reason });
    }
    read(path).map(Some).map_err(|reason| ProfileError::Flags { flag: SERIES, reason: format!("{}: {reason}", path.display()) })
}

fn read(path: &Path) -> Result<RatePoints, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read it ({e})"))?;
    let file: SeriesFile = serde_json::from_str(&text).map_err(|_| {
        r#"not a rate series: expected {"points": [{"time_s": 0, "qps": 2}, {"time_s": 60, "qps": 10}]} or the bare array, each point with exactly time_s and qps"#.to_owned()
    })?;
    let (SeriesFile::Object { points } | SeriesFile::Array(points)) = file;
    if points.len() < 2 {
        return Err(format!("{} point(s): a series needs at least two", points.len()));
    }
    for (i, p) in points.iter().enumerate() {
        if !(p.time_s.is_finite() && p.time_s >= 0.0) {
            return Err(format!("point {i}: time_s {} is not a number of seconds from 0", p.time_s));
        }
        if !(p.qps.is_finite() && p.qps > 0.0 && p.qps <= 1e9) {
            return Err(format!("point {i}: qps {} is not a rate above 0 (requests per second)", p.qps));
        }
        if i > 0 && p.time_s <= points[i - 1].time_s {
            return Err(format!(
                "point {i}: time_s {} does not come after {}: times must strictly increase",
                p.time_s,
                points[i - 1].time_s
            ));
        }
    }
    Ok(points.iter().map(|p| (p.time_s, p.qps)).collect())
}

/// `--arrival-smoothness`, the shape of `gamma` arrivals, added to the implementations' settings
/// (where the `gamma` pattern reads it).
pub(super) fn with_smoothness(args: &BenchConfig, settings: Settings) -> Result<Settings, ProfileError> {
    let Some(smoothness) = args.arrival_smoothness else { return Ok(settings) };
    if !(smoothness.is_finite() && smoothness > 0.0) {
        return Err(invalid(
            "--arrival-smoothness",
            smoothness,
            "a gamma shape above 0 (1 is Poisson, below 1 burstier, above 1 smoother)",
        ));
    }
    if args.arrival_pattern != "gamma" {
        let reason = format!("shapes gamma arrivals, and the pattern is `{}`: use --arrival-pattern gamma", args.arrival_pattern);
        return Err(ProfileError::Flags { flag: "--arrival-smoothness", reason });
    }
    Ok(settings.with(crate::builtins::ArrivalSmoothness(smoothness)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(text: &str) -> Result<Arc<[(f64, f64)]>, String> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("aiperf-series-{}-{n}.json", std::process::id()));
        std::fs::write(&path, text).unwrap();
        let read = read(&path);
        std::fs::remove_file(&path).unwrap();
        read
    }

    #[test]
    fn aiperf_s_two_forms_are_read() {
        let expected: Arc<[(f64, f64)]> = Arc::from(vec![(0.0, 2.0), (2.0, 10.0)]);
        assert_eq!(series(r#"{"points":[{"time_s":0,"qps":2},{"time_s":2,"qps":10}]}"#).unwrap(), expected);
        assert_eq!(series(r#"[{"time_s":0,"qps":2},{"time_s":2,"qps":10}]"#).unwrap(), expected);
    }

    #[test]
    fn a_bad_series_says_what_is_wrong() {
        assert!(series(r#"[{"time_s":0,"qps":2}]"#).unwrap_err().contains("at least two"));
        assert!(series(r#"[{"time_s":0,"qps":2},{"time_s":0,"qps":3}]"#).unwrap_err().contains("strictly increase"));
        assert!(series(r#"[{"time_s":0,"qps":0},{"time_s":1,"qps":3}]"#).unwrap_err().contains("qps 0"));
        assert!(series(r#"[{"time_s":0,"qps":1,"x":1},{"time_s":1,"qps":3}]"#).unwrap_err().contains("exactly time_s and qps"));
        assert!(series(r#"{"points":[],"extra":1}"#).unwrap_err().contains("not a rate series"));
    }
}
