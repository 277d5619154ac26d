//! The engine's builtin implementations of its own extension points, declared in its
//! `Cargo.toml` as a plugin crate declares its own: arrival patterns (`--arrival-pattern`),
//! the `single_turn` dataset loader (`--custom-dataset-type`), and exporters (every one compiled
//! in writes its files when a run ends).

use aiperf_core::{ArrivalPattern, ConfigError, FromModelEndpoint, ModelEndpointInfo};

pub use crate::dataset::SingleTurnLoader;
pub use crate::export::{ConsoleExporter, CsvExporter, JsonExporter};

/// `--arrival-smoothness` (vLLM's `--burstiness`): the shape of `gamma` arrivals, in the run's
/// settings (`ModelEndpointInfo::settings`) for an arrival pattern to read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ArrivalSmoothness(pub f64);

/// `gamma`: gamma-distributed gaps of mean `1 / rate` and shape `--arrival-smoothness` (1, a
/// Poisson process, by default; below 1 burstier, above 1 more regular), seeded: AIPerf's and
/// vLLM's (`--burstiness`, the same value giving the same distribution).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GammaArrivals {
    /// The shape.
    pub smoothness: f64,
}

impl FromModelEndpoint for GammaArrivals {
    const DECLARED: aiperf_core::Declared = aiperf_core::declared!();

    fn from_model_endpoint(info: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        Ok(Self { smoothness: info.settings.get::<ArrivalSmoothness>().map_or(1.0, |s| s.0) })
    }
}

impl ArrivalPattern for GammaArrivals {
    fn gap(&self, rate: f64, uniform: &mut dyn FnMut() -> f64) -> f64 {
        gamma(self.smoothness, uniform) / (rate * self.smoothness)
    }
}

/// A standard gamma variate of `shape` (scale 1), by Marsaglia and Tsang's method (shapes below 1
/// boosted by `U^(1/shape)`), from uniform numbers in `[0, 1)`.
fn gamma(shape: f64, uniform: &mut dyn FnMut() -> f64) -> f64 {
    if shape < 1.0 {
        return gamma(shape + 1.0, uniform) * (1.0 - uniform()).powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        // A standard normal by Box-Muller.
        let x = (-2.0 * (1.0 - uniform()).ln()).sqrt() * (std::f64::consts::TAU * uniform()).cos();
        let v = 1.0 + c * x;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u = 1.0 - uniform();
        if u < 1.0 - 0.0331 * x.powi(4) || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
            return d * v;
        }
    }
}

/// The name of [`ConcurrencyBurst`] in the table.
pub const CONCURRENCY_BURST: &str = "concurrency_burst";

/// `concurrency_burst`: AIPerf's pattern of no rate, each request sent as soon as one of
/// `--concurrency` slots is free (the closed loop every run without a rate is). The configuration
/// refuses it with `--request-rate`; at a rate its gaps would be zero: every request at once, up
/// to the concurrency.
#[derive(Clone, Copy, Debug, Default)]
pub struct ConcurrencyBurst;

impl FromModelEndpoint for ConcurrencyBurst {
    const DECLARED: aiperf_core::Declared = aiperf_core::declared!();

    fn from_model_endpoint(_: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}

impl ArrivalPattern for ConcurrencyBurst {
    fn gap(&self, _: f64, _: &mut dyn FnMut() -> f64) -> f64 {
        0.0
    }
}

/// `constant`: requests evenly spaced, `1 / rate` seconds apart.
#[derive(Clone, Copy, Debug, Default)]
pub struct ConstantArrivals;

/// `poisson`: a Poisson process, exponential gaps of mean `1 / rate`, seeded (AIPerf's default).
#[derive(Clone, Copy, Debug, Default)]
pub struct PoissonArrivals;

impl FromModelEndpoint for ConstantArrivals {
    const DECLARED: aiperf_core::Declared = aiperf_core::declared!();

    fn from_model_endpoint(_: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}

impl ArrivalPattern for ConstantArrivals {
    fn gap(&self, rate: f64, _: &mut dyn FnMut() -> f64) -> f64 {
        1.0 / rate
    }
}

impl FromModelEndpoint for PoissonArrivals {
    const DECLARED: aiperf_core::Declared = aiperf_core::declared!();

    fn from_model_endpoint(_: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}

impl ArrivalPattern for PoissonArrivals {
    fn gap(&self, rate: f64, uniform: &mut dyn FnMut() -> f64) -> f64 {
        -(1.0 - uniform()).ln() / rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mean and coefficient of variation of 40,000 gaps at 100 per second.
    fn moments(pattern: &dyn ArrivalPattern) -> (f64, f64) {
        let mut rng = fastrand::Rng::with_seed(3);
        let gaps: Vec<f64> = (0..40_000).map(|_| pattern.gap(100.0, &mut || rng.f64())).collect();
        let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        let var = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / (gaps.len() - 1) as f64;
        (mean, var.sqrt() / mean)
    }

    #[test]
    fn gamma_gaps_keep_the_rate_and_take_their_spread_from_the_smoothness() {
        // A gamma of shape k has a coefficient of variation of 1/sqrt(k): 2 at 0.25, 1 at 1
        // (Poisson), 0.5 at 4. Within 3% over 40,000 gaps (several standard errors).
        for (smoothness, cv) in [(0.25, 2.0), (1.0, 1.0), (4.0, 0.5)] {
            let (mean, got) = moments(&GammaArrivals { smoothness });
            assert!((mean - 0.01).abs() < 0.0003, "smoothness {smoothness}: mean gap {mean}");
            assert!((got - cv).abs() < 0.03 * cv, "smoothness {smoothness}: cv {got}, expected {cv}");
        }
        let (_, poisson) = moments(&PoissonArrivals);
        assert!((poisson - 1.0).abs() < 0.03, "{poisson}");
    }
}
