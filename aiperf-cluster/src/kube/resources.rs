//! A worker pod's CPU and memory, sized from its share of the load. The figures come from the
//! harness's measurements (docs/performance.md): about 50 µs of client CPU a request, and
//! memory of a fixed base, a buffer per request in flight, and the values of every record the
//! statistics keep (percentiles are exact). Twice that is asked for, as headroom.

use aiperf_bench::BenchConfig;
use serde_json::{Value, json};

/// Client CPU a request, seconds (measured ~30–50 µs; rounded up).
const CPU_PER_REQUEST: f64 = 60e-6;

/// Memory of an idle worker: the runtime, the tokenizer, the dataset.
const BASE_MIB: f64 = 192.0;

/// Memory a request in flight holds (its buffers and its connection), MiB.
const MIB_IN_FLIGHT: f64 = 0.125;

/// Memory a profiled record's values take in the statistics, MiB.
const MIB_PER_RECORD: f64 = 300.0 / (1 << 20) as f64;

/// Requests a second a closed loop is assumed to reach per request in flight when nothing tells
/// (a streamed answer of a few hundred tokens takes seconds).
const RATE_PER_SLOT: f64 = 4.0;

/// A pod's resources: requests, and a memory limit at twice the request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Resources {
    /// CPU cores requested.
    pub cpu: f64,
    /// Memory requested, MiB.
    pub memory_mib: u64,
}

impl Resources {
    /// What a worker of `workers` sharing `benchmark` needs.
    pub fn for_load(benchmark: &BenchConfig, workers: u32) -> Self {
        let share = f64::from(workers.max(1));
        let in_flight = benchmark.concurrency.as_ref().and_then(|list| list.0.iter().copied().max()).map_or(1.0, |c| c as f64 / share);
        let rate = match benchmark.request_rate.as_ref().and_then(|list| list.0.iter().copied().reduce(f64::max)) {
            Some(rate) => rate / share,
            None => in_flight * RATE_PER_SLOT,
        };
        let requests = match (benchmark.benchmark_duration, benchmark.request_count) {
            (Some(seconds), _) => rate * seconds,
            (None, Some(count)) => count as f64 / share,
            (None, None) => 10.0,
        };
        let cpu = (2.0 * rate * CPU_PER_REQUEST).max(0.5);
        let memory = 2.0 * (BASE_MIB + in_flight * MIB_IN_FLIGHT + requests * MIB_PER_RECORD);
        Self { cpu: (cpu * 4.0).ceil() / 4.0, memory_mib: (memory / 64.0).ceil() as u64 * 64 }
    }

    /// As a container's `resources`.
    pub fn to_json(self) -> Value {
        let cpu = if self.cpu.fract() == 0.0 { format!("{}", self.cpu as u64) } else { format!("{}m", (self.cpu * 1000.0).round() as u64) };
        json!({
            "requests": { "cpu": cpu, "memory": format!("{}Mi", self.memory_mib) },
            "limits": { "memory": format!("{}Mi", self.memory_mib * 2) },
        })
    }
}
