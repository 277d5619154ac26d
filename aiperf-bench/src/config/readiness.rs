//! `--wait-for-model-timeout`, `--wait-for-model-interval` and `--wait-for-model-mode`: wait,
//! before the benchmark, until the server answers.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::BenchConfig;
use crate::error::{ProfileError, invalid};

/// How readiness is probed (AIPerf's `--wait-for-model-mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadinessMode {
    /// `GET /v1/models` until the model is listed (a plain `GET` of the base URL when the server
    /// has no such list): cheap, but a frontend may list a model its workers cannot serve yet.
    Models,
    /// A one-token request through the run's own endpoint and transport until the server
    /// answers it with a status below 500: the whole serving stack is up (the default).
    #[default]
    Inference,
    /// The model list first, then the request.
    Both,
}

impl ReadinessMode {
    /// AIPerf's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Models => "models",
            Self::Inference => "inference",
            Self::Both => "both",
        }
    }
}

/// The readiness probe of a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Readiness {
    /// How long each probe (each model, each mode) may take before the run is refused.
    pub timeout: Duration,
    /// Time between attempts.
    pub interval: Duration,
    /// What is probed.
    pub mode: ReadinessMode,
}

/// AIPerf's interval between attempts, in seconds.
const DEFAULT_INTERVAL: f64 = 5.0;

/// AIPerf's interval between attempts (5 seconds), as a duration.
pub const DEFAULT_READINESS_INTERVAL: Duration = Duration::from_secs(5);

/// The three flags, checked: a timeout of 0 (or none) probes nothing, and then the other two are
/// refused rather than ignored.
pub(crate) fn readiness(args: &BenchConfig) -> Result<Option<Readiness>, ProfileError> {
    let timeout = args.wait_for_model_timeout.unwrap_or(0.0);
    if !(timeout.is_finite() && timeout >= 0.0) {
        return Err(invalid("--wait-for-model-timeout", timeout, "a number of seconds, 0 (no probe) or more"));
    }
    if timeout == 0.0 {
        let given = [
            ("--wait-for-model-interval", args.wait_for_model_interval.is_some()),
            ("--wait-for-model-mode", args.wait_for_model_mode.is_some()),
        ];
        if let Some((flag, _)) = given.into_iter().find(|(_, given)| *given) {
            let reason = "has no effect without a probe: give --wait-for-model-timeout SECONDS".to_owned();
            return Err(ProfileError::Flags { flag, reason });
        }
        return Ok(None);
    }
    Ok(Some(Readiness {
        timeout: super::seconds("--wait-for-model-timeout", timeout, false)?,
        interval: super::seconds("--wait-for-model-interval", args.wait_for_model_interval.unwrap_or(DEFAULT_INTERVAL), false)?,
        mode: args.wait_for_model_mode.unwrap_or_default(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(timeout: Option<f64>, interval: Option<f64>, mode: Option<ReadinessMode>) -> BenchConfig {
        BenchConfig {
            wait_for_model_timeout: timeout,
            wait_for_model_interval: interval,
            wait_for_model_mode: mode,
            ..BenchConfig::default()
        }
    }

    #[test]
    fn a_timeout_turns_the_probe_on_with_aiperf_defaults() {
        assert_eq!(readiness(&args(None, None, None)).unwrap(), None);
        assert_eq!(readiness(&args(Some(0.0), None, None)).unwrap(), None, "0 probes nothing, as in AIPerf");
        let probe = readiness(&args(Some(30.0), None, None)).unwrap().unwrap();
        assert_eq!(
            (probe.timeout, probe.interval, probe.mode),
            (Duration::from_secs(30), Duration::from_secs(5), ReadinessMode::Inference)
        );
        let probe = readiness(&args(Some(1.0), Some(0.25), Some(ReadinessMode::Both))).unwrap().unwrap();
        assert_eq!((probe.interval, probe.mode), (Duration::from_millis(250), ReadinessMode::Both));
    }

    #[test]
    fn what_cannot_apply_is_refused_by_flag() {
        for (args, flag) in [
            (args(None, Some(1.0), None), "--wait-for-model-interval"),
            (args(Some(0.0), None, Some(ReadinessMode::Models)), "--wait-for-model-mode"),
            (args(Some(-1.0), None, None), "--wait-for-model-timeout"),
            (args(Some(5.0), Some(0.0), None), "--wait-for-model-interval"),
        ] {
            let error = readiness(&args).unwrap_err().to_string();
            assert!(error.contains(flag), "{error}");
        }
    }
}
