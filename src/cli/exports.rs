//! AIPerf 0.13's export flags: what a run writes beside its summaries.

use aiperf_bench::BenchConfig;
use aiperf_bench::config::{ExportLevel, Named};
use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser};

/// The export flags.
#[derive(Clone, Debug, Args)]
pub struct ExportArgs {
    /// What to export: summary (the JSON, CSV and console summaries alone) or records (also
    /// every request's record, profile_export.jsonl).
    #[arg(long, visible_alias = "profile-export-level", default_value = "records", value_parser = level())]
    pub export_level: ExportLevel,
    /// Write each request's HTTP trace into its record (`trace_data` in profile_export.jsonl):
    /// when its sending, waiting and receiving began and ended, its bytes and pieces.
    #[arg(long)]
    pub export_http_trace: bool,
}

/// `--export-level`'s names.
fn level() -> impl TypedValueParser<Value = ExportLevel> {
    PossibleValuesParser::new(ExportLevel::ALL.iter().map(|level| level.name())).try_map(|name| ExportLevel::from_name(&name))
}

impl ExportArgs {
    /// Sets the export fields of `config`.
    pub fn apply(&self, config: &mut BenchConfig) {
        config.export_level = self.export_level;
        config.export_http_trace = self.export_http_trace;
    }
}
