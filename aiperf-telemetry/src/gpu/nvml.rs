//! The local GPUs through NVML (`--gpu-telemetry pynvml`, AIPerf's name for it), loaded when
//! asked for: a build and a run on a machine without an NVIDIA driver work, and say so.

use nvml_wrapper::Nvml;
use nvml_wrapper::enum_wrappers::device::{PerformancePolicy, TemperatureSensor};

use super::fields::{FIELDS, index};
use super::sample::{Gpu, Sample};

/// Where NVML samples say they come from.
pub const SOURCE: &str = "pynvml://localhost";

/// The local GPUs.
pub struct Local {
    nvml: Nvml,
    gpus: Vec<Gpu>,
}

impl Local {
    /// Loads NVML and lists the GPUs.
    ///
    /// # Errors
    /// No NVIDIA library or driver on this machine, or no GPU: why, in a line.
    pub fn open() -> Result<Self, String> {
        let nvml = Nvml::init().map_err(|e| format!("NVML cannot be loaded ({e}): no NVIDIA driver on this machine?"))?;
        let count = nvml.device_count().map_err(|e| format!("NVML cannot count the GPUs: {e}"))?;
        if count == 0 {
            return Err("NVML sees no GPU on this machine".to_owned());
        }
        let mut gpus = Vec::with_capacity(count as usize);
        for index in 0..count {
            let device = nvml.device_by_index(index).map_err(|e| format!("NVML cannot open GPU {index}: {e}"))?;
            gpus.push(Gpu {
                index,
                uuid: device.uuid().unwrap_or_else(|_| format!("GPU-unknown-{index}")),
                model: Some(device.name().unwrap_or_else(|_| "Unknown GPU".to_owned())),
                pci_bus_id: device.pci_info().ok().map(|pci| pci.bus_id),
                device: Some(format!("nvidia{index}")),
                hostname: Some("localhost".to_owned()),
                namespace: None,
                pod: None,
            });
        }
        Ok(Self { nvml, gpus })
    }

    /// Every GPU's values now (a value NVML cannot give is left out).
    pub fn samples(&self, ns: u64) -> Vec<Sample> {
        let mut samples = Vec::with_capacity(self.gpus.len());
        for gpu in &self.gpus {
            let Ok(device) = self.nvml.device_by_index(gpu.index) else { continue };
            let mut values = [None; FIELDS.len()];
            let mut set = |key: &str, value: Option<f64>| {
                if let (Some(at), Some(value)) = (index(key), value) {
                    values[at] = Some(value);
                }
            };
            set("nvidia_power_usage", device.power_usage().ok().map(|mw| f64::from(mw) * 1e-3));
            set("nvidia_energy_consumption", device.total_energy_consumption().ok().map(|mj| mj as f64 * 1e-9));
            let utilization = device.utilization_rates().ok();
            set("nvidia_gpu_utilization", utilization.as_ref().map(|u| f64::from(u.gpu)));
            set("nvidia_memory_utilization", utilization.as_ref().map(|u| f64::from(u.memory)));
            // AIPerf reads NVML's first memory call, whose `used` is total less free.
            set("nvidia_memory_used", device.memory_info().ok().map(|m| m.total.saturating_sub(m.free) as f64 * 1e-9));
            set("nvidia_temperature", device.temperature(TemperatureSensor::Gpu).ok().map(f64::from));
            set("nvidia_decoder_utilization", device.decoder_utilization().ok().map(|u| f64::from(u.utilization)));
            set("nvidia_encoder_utilization", device.encoder_utilization().ok().map(|u| f64::from(u.utilization)));
            set("nvidia_power_violation", device.violation_status(PerformancePolicy::Power).ok().map(|v| v.violation_time as f64 * 1e-3));
            if values.iter().any(Option::is_some) {
                samples.push(Sample { gpu: gpu.clone(), ns, source: SOURCE.to_owned(), values });
            }
        }
        samples
    }
}
