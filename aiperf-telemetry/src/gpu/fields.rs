//! The GPU metrics AIPerf 0.13 collects, in its order: its field names, display names and
//! units, where each comes from in the DCGM exporter's page, and how its values are scaled.

/// How a field is summarised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A value at each sample: statistics over the window.
    Gauge,
    /// A running total: its increase over the window.
    Counter,
}

/// One GPU metric.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Field {
    /// AIPerf's name (`nvidia_power_usage`).
    pub key: &'static str,
    /// Its display name.
    pub display: &'static str,
    /// Its unit.
    pub unit: &'static str,
    /// The DCGM exporter's field, if DCGM gives it.
    pub dcgm: Option<&'static str>,
    /// The factor from DCGM's unit to this one.
    pub scale: f64,
    /// Gauge or counter.
    pub kind: Kind,
}

const fn field(key: &'static str, display: &'static str, unit: &'static str, dcgm: Option<&'static str>, scale: f64, kind: Kind) -> Field {
    Field { key, display, unit, dcgm, scale, kind }
}

/// Every field, in AIPerf's order. Power violation keeps DCGM's microseconds (AIPerf divides
/// them by 1000 as if they were nanoseconds); memory used is in decimal GB from DCGM's MiB.
pub const FIELDS: [Field; 12] = [
    field("nvidia_power_usage", "NVIDIA GPU Power Usage", "W", Some("DCGM_FI_DEV_POWER_USAGE"), 1.0, Kind::Gauge),
    field(
        "nvidia_energy_consumption",
        "NVIDIA Energy Consumption",
        "MJ",
        Some("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"),
        1e-9,
        Kind::Counter,
    ),
    field("nvidia_gpu_utilization", "NVIDIA GPU Utilization", "%", Some("DCGM_FI_DEV_GPU_UTIL"), 1.0, Kind::Gauge),
    field("nvidia_memory_utilization", "NVIDIA Memory Utilization", "%", Some("DCGM_FI_DEV_MEM_COPY_UTIL"), 1.0, Kind::Gauge),
    field("nvidia_memory_used", "NVIDIA GPU Memory Used", "GB", Some("DCGM_FI_DEV_FB_USED"), 1.048_576e-3, Kind::Gauge),
    field("nvidia_temperature", "NVIDIA GPU Temperature", "°C", Some("DCGM_FI_DEV_GPU_TEMP"), 1.0, Kind::Gauge),
    field("nvidia_sm_utilization", "NVIDIA SM Utilization", "%", Some("DCGM_FI_PROF_SM_ACTIVE"), 100.0, Kind::Gauge),
    field("nvidia_decoder_utilization", "NVIDIA Decoder Utilization", "%", Some("DCGM_FI_DEV_DEC_UTIL"), 1.0, Kind::Gauge),
    field("nvidia_encoder_utilization", "NVIDIA Encoder Utilization", "%", Some("DCGM_FI_DEV_ENC_UTIL"), 1.0, Kind::Gauge),
    field("nvidia_jpg_utilization", "NVIDIA JPEG Utilization", "%", None, 1.0, Kind::Gauge),
    field("nvidia_xid_errors", "NVIDIA XID Errors", "count", Some("DCGM_FI_DEV_XID_ERRORS"), 1.0, Kind::Counter),
    field("nvidia_power_violation", "NVIDIA Power Violation", "us", Some("DCGM_FI_DEV_POWER_VIOLATION"), 1.0, Kind::Counter),
];

/// The index in [`FIELDS`] of a field by its key.
pub fn index(key: &str) -> Option<usize> {
    FIELDS.iter().position(|field| field.key == key)
}
