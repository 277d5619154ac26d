//! The engine's builtin implementations of its own extension points, declared in its
//! `Cargo.toml` as a plugin crate declares its own: arrival patterns (`--arrival-pattern`),
//! the `single_turn` dataset loader (`--custom-dataset-type`), and exporters (every one compiled
//! in writes its files when a run ends).

use aiperf_core::{ArrivalPattern, ConfigError, FromModelEndpoint, ModelEndpointInfo};

pub use crate::dataset::SingleTurnLoader;
pub use crate::export::{ConsoleExporter, CsvExporter, JsonExporter};

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
