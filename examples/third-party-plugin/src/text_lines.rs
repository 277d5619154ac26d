//! `text_lines`: a new dataset format, `--custom-dataset-type text_lines`: a plain text file, one
//! prompt per non-blank line (prompts collected by hand, or exported from a spreadsheet).

use std::path::Path;

use aiperf_core::{ConfigError, DatasetError, DatasetLoader, DatasetRequest, FromModelEndpoint, ModelEndpointInfo, Payload};

/// Reads one prompt per non-blank line.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextLinesLoader;

impl FromModelEndpoint for TextLinesLoader {
    const DECLARED: aiperf_core::Declared = aiperf_core::declared!();

    fn from_model_endpoint(_: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}

impl DatasetLoader for TextLinesLoader {
    fn load(&self, path: &Path) -> Result<Vec<DatasetRequest>, DatasetError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| DatasetError { line: 0, reason: format!("{e}; expected a UTF-8 text file") })?;
        Ok(text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(index, line)| DatasetRequest {
                payload: Payload::Prompt(line.trim().to_owned()),
                max_tokens: None,
                timestamp_ms: None,
                session_id: None,
                delay_ms: None,
                line: u32::try_from(index + 1).unwrap_or(u32::MAX),
            })
            .collect())
    }
}
