//! GPU telemetry (`--gpu-telemetry`), as AIPerf 0.13 collects it: DCGM exporters' pages
//! (`dcgm.rs`) or the local GPUs through NVML (`nvml.rs`), as samples of AIPerf's fields
//! (`fields.rs`, `sample.rs`), summarised over the profiling window (`summary.rs`) by the
//! observer (`observer.rs`).

pub mod dcgm;
pub mod fields;
pub mod nvml;
pub mod observer;
pub mod sample;
pub mod summary;

pub use observer::{DEFAULT_DCGM, GpuObserver, GpuOptions, GpuTelemetry};
