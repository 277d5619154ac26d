//! `--fixed-schedule`'s schedule: when each entry is due. It starts at the first timestamp
//! (AIPerf's auto offset) or at `--fixed-schedule-start-offset`; entries outside the start and
//! end offsets (both inclusive) are left out. Plain data, made from the dataset before the run;
//! the issuer's arrival source sends it.

use std::path::Path;
use std::time::Duration;

pub use crate::config::Window;

use super::ProfileError;

/// The longest schedule: a send later than this after the start is refused.
const MAX_SPAN: Duration = Duration::from_secs(366 * 24 * 3600);

/// The sends of a fixed schedule, in time order.
#[derive(Debug, PartialEq)]
pub struct Replay {
    /// When each is due after the phase starts, and which entry it sends.
    pub sends: Vec<(Duration, u32)>,
}

impl Replay {
    /// The schedule of the entries whose `(line, timestamp)` are given, in entry order.
    ///
    /// # Errors
    /// [`ProfileError::InputFile`] for an entry without a timestamp, or a window that leaves
    /// none.
    pub fn build(timestamps: &[(u32, Option<f64>)], window: Window, path: &Path) -> Result<Self, ProfileError> {
        let mut kept = Vec::with_capacity(timestamps.len());
        for (entry, &(line, timestamp)) in timestamps.iter().enumerate() {
            let Some(ms) = timestamp else {
                return Err(ProfileError::InputFile {
                    path: path.display().to_string(),
                    line: line as usize,
                    reason: "no `timestamp`: a fixed schedule sends each line at its timestamp (ms); give one, or pass --no-fixed-schedule to send at --concurrency or --request-rate".to_owned(),
                });
            };
            let after_start = window.start_ms.is_none_or(|s| ms >= s as f64);
            if after_start && window.end_ms.is_none_or(|e| ms <= e as f64) {
                kept.push((ms, u32::try_from(entry).unwrap_or(u32::MAX)));
            }
        }
        // Stable: entries with one timestamp go in file order.
        kept.sort_by(|a, b| a.0.total_cmp(&b.0));
        let Some(&(first, _)) = kept.first() else {
            return Err(ProfileError::InputFile {
                path: path.display().to_string(),
                line: 0,
                reason: format!(
                    "no line has a timestamp within --fixed-schedule-start-offset {} and --fixed-schedule-end-offset {} (ms, both inclusive)",
                    window.start_ms.map_or("(none)".to_owned(), |s| s.to_string()),
                    window.end_ms.map_or("(none)".to_owned(), |e| e.to_string()),
                ),
            });
        };
        let zero = window.start_ms.map_or(first, |s| s as f64);
        let mut sends = Vec::with_capacity(kept.len());
        for (ms, entry) in kept {
            // A timestamp a clock cannot reach (beyond a year after the first) is refused, not wrapped.
            let Some(offset) = Duration::try_from_secs_f64((ms - zero).max(0.0) / 1e3).ok().filter(|d| *d <= MAX_SPAN) else {
                let (line, _) = timestamps[entry as usize];
                let reason =
                    format!("`timestamp` is {ms} ms: more than a year after the schedule's start; expected ms from the trace's start");
                return Err(ProfileError::InputFile { path: path.display().to_string(), line: line as usize, reason });
            };
            sends.push((offset, entry));
        }
        Ok(Self { sends })
    }

    /// The sends worker `shard` makes: every `count`-th in time order from its index, at their
    /// times from the one start all workers share.
    #[must_use]
    pub fn share(self, shard: crate::config::Shard) -> Self {
        Self { sends: self.sends.into_iter().enumerate().filter(|(i, _)| shard.takes(*i)).map(|(_, send)| send).collect() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(timestamps: &[Option<f64>], window: Window) -> Result<Vec<(u64, u32)>, String> {
        let lines: Vec<(u32, Option<f64>)> = (1..).zip(timestamps.iter().copied()).collect();
        Replay::build(&lines, window, Path::new("t.jsonl"))
            .map(|r| r.sends.into_iter().map(|(d, e)| (d.as_millis() as u64, e)).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn sends_start_at_the_first_timestamp_in_time_order() {
        let sends = build(&[Some(1500.0), Some(1000.0), Some(1000.0), Some(4000.0)], Window::default()).unwrap();
        assert_eq!(sends, [(0, 1), (0, 2), (500, 0), (3000, 3)]);
    }

    #[test]
    fn offsets_keep_an_inclusive_window_and_the_start_is_the_zero() {
        let window = Window { start_ms: Some(1000), end_ms: Some(3000) };
        let sends = build(&[Some(999.0), Some(1000.0), Some(2500.0), Some(3000.0), Some(3001.0)], window).unwrap();
        assert_eq!(sends, [(0, 1), (1500, 2), (2000, 3)]);
        let late = build(&[Some(1500.0)], Window { start_ms: Some(1000), end_ms: None }).unwrap();
        assert_eq!(late, [(500, 0)], "the schedule starts at the start offset, not the first row kept");
    }

    #[test]
    fn a_timestamp_beyond_a_year_is_refused() {
        let error = build(&[Some(0.0), Some(1e30)], Window::default()).unwrap_err();
        assert!(error.starts_with("t.jsonl:2: `timestamp` is 1000000000000000000000000000000 ms"), "{error}");
    }

    #[test]
    fn missing_timestamps_and_empty_windows_are_explained() {
        let error = build(&[Some(1.0), None], Window::default()).unwrap_err();
        assert!(error.starts_with("t.jsonl:2: no `timestamp`") && error.contains("--no-fixed-schedule"), "{error}");
        let error = build(&[Some(1.0)], Window { start_ms: Some(5), end_ms: Some(9) }).unwrap_err();
        assert!(error.contains("within --fixed-schedule-start-offset 5 and --fixed-schedule-end-offset 9"), "{error}");
    }
}
