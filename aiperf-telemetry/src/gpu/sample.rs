//! One GPU at one instant, as a line of `gpu_telemetry_export.jsonl` (AIPerf's record: the GPU's
//! identity, when, from where, and the values it had).

use serde_json::{Map, Value, json};

use super::fields::FIELDS;

/// Which GPU, and where it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Gpu {
    /// Its index on its host.
    pub index: u32,
    /// Its UUID.
    pub uuid: String,
    /// Its model name.
    pub model: Option<String>,
    /// Its PCI bus id.
    pub pci_bus_id: Option<String>,
    /// Its device name (`nvidia0`).
    pub device: Option<String>,
    /// Its host.
    pub hostname: Option<String>,
    /// Its Kubernetes namespace and pod, when the exporter says.
    pub namespace: Option<String>,
    /// Its pod.
    pub pod: Option<String>,
}

/// One GPU's values at one instant.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The GPU.
    pub gpu: Gpu,
    /// When, ns since the Unix epoch.
    pub ns: u64,
    /// Where from (a DCGM exporter's URL, or `pynvml://localhost`).
    pub source: String,
    /// Each field's value by [`FIELDS`] index, in its unit.
    pub values: [Option<f64>; FIELDS.len()],
}

impl Sample {
    /// The JSONL line (absent values left out, as AIPerf writes them).
    pub fn line(&self) -> Value {
        let gpu = &self.gpu;
        let mut line = Map::new();
        line.insert("gpu_index".into(), json!(gpu.index));
        line.insert("gpu_uuid".into(), json!(gpu.uuid));
        for (key, value) in [
            ("gpu_model_name", &gpu.model),
            ("pci_bus_id", &gpu.pci_bus_id),
            ("device", &gpu.device),
            ("hostname", &gpu.hostname),
            ("namespace", &gpu.namespace),
            ("pod_name", &gpu.pod),
        ] {
            if let Some(value) = value {
                line.insert(key.into(), json!(value));
            }
        }
        line.insert("platform".into(), json!("nvidia"));
        line.insert("timestamp_ns".into(), json!(self.ns));
        line.insert("telemetry_source_url".into(), json!(self.source));
        let data: Map<String, Value> =
            FIELDS.iter().zip(&self.values).filter_map(|(field, value)| Some((field.key.to_owned(), json!((*value)?)))).collect();
        line.insert("telemetry_data".into(), Value::Object(data));
        Value::Object(line)
    }
}
