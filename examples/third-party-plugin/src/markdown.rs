//! `markdown`: a new exporter name. Every run of a build with this crate also writes
//! `profile_export_aiperf.md`, the run's statistics as a Markdown table for a pull request or a
//! wiki page.

use std::fmt::Write as _;

use aiperf_core::{ConfigError, ExportError, Exporter, FromModelEndpoint, ModelEndpointInfo, Results};

/// The file it writes, in the run's artifact directory.
pub const MARKDOWN_FILE: &str = "profile_export_aiperf.md";

/// Writes the run's statistics as Markdown.
#[derive(Clone, Copy, Debug, Default)]
pub struct MarkdownExporter;

impl FromModelEndpoint for MarkdownExporter {
    const DECLARED: aiperf_core::Declared = aiperf_core::declared!();

    fn from_model_endpoint(_: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}

impl Exporter for MarkdownExporter {
    fn export(&self, results: &Results<'_>) -> Result<String, ExportError> {
        let mut out = format!("# {}\n\n| metric | unit | avg | p50 | p99 |\n|---|---|---:|---:|---:|\n", results.title);
        // avg, p50 and p99 are cells 0, 8 and 12 of a row (`aiperf_core::STAT_COLUMNS`).
        let cell = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v:.2}"));
        for row in results.stats {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                row.title,
                row.unit,
                cell(row.cells[0]),
                cell(row.cells[8]),
                cell(row.cells[12])
            );
        }
        out.push_str("\n| value | unit | |\n|---|---|---:|\n");
        for value in results.values {
            let _ = writeln!(out, "| {} | {} | {:.2} |", value.title, value.unit, value.value);
        }
        let path = results.dir.join(MARKDOWN_FILE);
        std::fs::write(&path, out).map_err(|e| ExportError::io(&path, e))?;
        Ok(String::new())
    }
}
