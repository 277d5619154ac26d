//! The `json` exporter: `profile_export_aiperf.json`, AIPerf's summary, pretty-printed.

use aiperf_core::{ConfigError, ExportError, Exporter, FromModelEndpoint, ModelEndpointInfo, Results};

/// Writes AIPerf's JSON summary.
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonExporter;

impl FromModelEndpoint for JsonExporter {
    const DECLARED: aiperf_core::Declared = aiperf_core::declared!();

    fn from_model_endpoint(_: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}

impl Exporter for JsonExporter {
    fn export(&self, results: &Results<'_>) -> Result<String, ExportError> {
        let path = results.dir.join(super::JSON_FILE);
        let text = serde_json::to_string_pretty(results.summary).map_err(|e| ExportError::io(&path, e.into()))?;
        std::fs::write(&path, text + "\n").map_err(|e| ExportError::io(&path, e))?;
        Ok(String::new())
    }
}
