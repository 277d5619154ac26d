//! `aiperf analyze-trace FILE`: a trace's input and output lengths, its shared context and the
//! prefix-cache hit rate its `hash_ids` imply, before replaying it (AIPerf 0.13's report).

use std::fmt::Write as _;
use std::path::PathBuf;

use aiperf_bench::dataset::trace_analysis::{SeriesStats, TraceAnalysis, analyze};

use super::CliError;

/// Arguments of `aiperf analyze-trace`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeTraceArgs {
    /// The trace: JSON lines with `input_length`, `output_length` and `hash_ids` (mooncake's).
    #[arg(required_unless_present = "input_file")]
    pub file: Option<PathBuf>,
    /// The trace, as a flag.
    #[arg(long, conflicts_with = "file")]
    pub input_file: Option<PathBuf>,
    /// Tokens per `hash_ids` block.
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..))]
    pub block_size: u64,
    /// Also write the report as JSON (AIPerf's keys) to this file.
    #[arg(long)]
    pub output_file: Option<PathBuf>,
}

/// Runs the analysis and returns what it prints.
///
/// # Errors
/// [`CliError::Trace`] for a file that cannot be read, a line that is no trace row, or a report
/// that cannot be written.
pub fn run(args: &AnalyzeTraceArgs) -> Result<String, CliError> {
    let path = args.file.as_ref().or(args.input_file.as_ref()).expect("clap requires one");
    let unreadable = |reason: String| CliError::Trace { path: path.clone(), reason, unreadable: true };
    let file = std::fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
    let report = analyze(std::io::BufReader::new(file), args.block_size).map_err(|reason| CliError::Trace {
        path: path.clone(),
        reason,
        unreadable: false,
    })?;
    let mut out = table(&report);
    if let Some(output) = &args.output_file {
        let unwritable = |e: std::io::Error| CliError::Trace { path: output.clone(), reason: e.to_string(), unreadable: true };
        let text = serde_json::to_string_pretty(&report).unwrap_or_default();
        if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(unwritable)?;
        }
        std::fs::write(output, text).map_err(unwritable)?;
        let _ = writeln!(out, "\nAnalysis report saved to {}", output.display());
    }
    Ok(out)
}

/// The console report: the counts, then a row of statistics per series.
fn table(report: &TraceAnalysis) -> String {
    let mut out = String::from("\nTrace Analysis Report\n");
    let _ = writeln!(out, "Total requests:   {}", grouped(report.total_requests as f64, 0));
    let _ = writeln!(out, "Unique prefixes:  {}", grouped(report.unique_prefixes as f64, 0));
    let _ = writeln!(out, "Prefix groups:    {}", grouped(report.num_prefix_groups as f64, 0));
    let _ = writeln!(out, "Cache hit rate:   {:.2}%", report.cache_hit_rate * 100.0);
    let rows = [
        ("Input Length", report.isl_stats),
        ("Context Length", report.context_length_stats),
        ("Unique Prompt Length", report.unique_prompt_length_stats),
        ("Output Length", report.osl_stats),
        ("Theoretical Hit Rates", report.hit_rate_stats),
    ];
    let cells: Vec<[String; 8]> = rows
        .iter()
        .map(|(name, stats)| {
            let value = |pick: fn(&SeriesStats) -> f64| stats.as_ref().map_or_else(|| "N/A".to_owned(), |s| grouped(pick(s), 2));
            [
                (*name).to_owned(),
                value(|s| s.mean),
                value(|s| s.std_dev),
                value(|s| s.min),
                value(|s| s.p25),
                value(|s| s.median),
                value(|s| s.p75),
                value(|s| s.max),
            ]
        })
        .collect();
    let header = ["Metric", "Mean", "Std Dev", "Min", "P25", "Median", "P75", "Max"].map(str::to_owned);
    let widths: Vec<usize> = (0..8).map(|i| cells.iter().chain([&header]).map(|row| row[i].chars().count()).max().unwrap_or(0)).collect();
    out.push_str("\nTrace Statistics\n");
    for row in [&header].into_iter().chain(&cells) {
        let line: Vec<String> = row.iter().zip(&widths).map(|(cell, width)| format!("{cell:>width$}")).collect();
        let _ = writeln!(out, "{}", line.join("  "));
    }
    out
}

/// `value` with `decimals` decimals and thousands separated by commas (Python's `{:,.2f}`).
fn grouped(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = text.split_once('.').map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let mut out = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    if value.is_sign_negative() && value != 0.0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_grouped_as_python_groups_them() {
        assert_eq!(super::grouped(1100.0, 2), "1,100.00");
        assert_eq!(super::grouped(1_234_567.891, 2), "1,234,567.89");
        assert_eq!(super::grouped(-76.5, 2), "-76.50");
        assert_eq!(super::grouped(999.0, 0), "999");
    }
}
