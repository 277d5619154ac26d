//! A DCGM exporter's page as GPU samples: one per `gpu` label, each field scaled from DCGM's
//! unit to AIPerf's.

use std::collections::BTreeMap;

use super::fields::FIELDS;
use super::sample::{Gpu, Sample};
use crate::exposition::{Family, Value};

/// The samples of a page scraped from `source` at `ns`, in GPU order.
pub fn samples(page: &[Family], source: &str, ns: u64) -> Vec<Sample> {
    let mut gpus: BTreeMap<u32, Sample> = BTreeMap::new();
    for family in page {
        // Counters lose `_total` when read; DCGM's names have none, so they are as exposed.
        let Some(at) = FIELDS.iter().position(|field| field.dcgm == Some(family.name.as_str())) else { continue };
        for (labels, value) in &family.series {
            let (Some(index), Value::Scalar(value)) = (labels.get("gpu").and_then(|gpu| gpu.parse::<u32>().ok()), value) else { continue };
            let label = |key: &str| labels.get(key).cloned();
            let sample = gpus.entry(index).or_insert_with(|| Sample {
                gpu: Gpu {
                    index,
                    uuid: label("UUID").unwrap_or_else(|| format!("GPU-unknown-{index}")),
                    model: label("modelName"),
                    pci_bus_id: label("pci_bus_id"),
                    device: label("device"),
                    hostname: label("Hostname"),
                    namespace: label("namespace"),
                    pod: label("pod"),
                },
                ns,
                source: source.to_owned(),
                values: [None; FIELDS.len()],
            });
            sample.values[at] = Some(value * FIELDS[at].scale);
        }
    }
    gpus.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposition::parse;

    #[test]
    fn a_real_dcgm_page_gives_each_gpus_values_in_aiperfs_units() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dcgm.prom");
        let page = parse(&std::fs::read_to_string(path).unwrap()).unwrap();
        let samples = samples(&page, "http://localhost:9400/metrics", 7);
        assert_eq!(samples.len(), 1, "{samples:?}");
        let gpu = &samples[0];
        assert_eq!(gpu.gpu.index, 0);
        assert!(gpu.gpu.uuid.starts_with("GPU-"), "{:?}", gpu.gpu);
        let utilization = gpu.values[super::super::fields::index("nvidia_gpu_utilization").unwrap()];
        assert!(utilization.is_some_and(|u| (0.0..=100.0).contains(&u)), "{gpu:?}");
        let line = gpu.line();
        assert_eq!(line["telemetry_source_url"], "http://localhost:9400/metrics");
        assert_eq!(line["platform"], "nvidia");
    }
}
