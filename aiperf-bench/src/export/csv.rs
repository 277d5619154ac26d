//! `profile_export_aiperf.csv` as AIPerf 0.13 writes it, so that the two tools' files diff row by
//! row: a statistics section (`Metric,avg,min,max,sum,p1,…,p99,std`) of every metric with a
//! distribution (per-request metrics, and the time-weighted ones with the statistics they have),
//! a blank line, then a `Metric,Value` section of single values; each section sorted by the
//! metric's key; labels `Title (unit)`, the unit left out for counts; numbers with two decimals,
//! an empty cell for a statistic a metric has not; CRLF line ends (Python's `csv` module's).

use std::io::Write;
use std::path::Path;

use aiperf_core::{ConfigError, ExportError, Exporter, FromModelEndpoint, ModelEndpointInfo, Results, STAT_COLUMNS, StatRow, ValueRow};

/// Distributions AIPerf's CSV has not (the JSON keeps them): the schedule lag's, whose
/// percentiles AIPerf lists among the single values.
const NOT_IN_AIPERF_CSV: [&str; 1] = ["schedule_lag"];

/// Writes `profile_export_aiperf.csv` as AIPerf does.
#[derive(Clone, Copy, Debug, Default)]
pub struct CsvExporter;

impl FromModelEndpoint for CsvExporter {
    const DECLARED: aiperf_core::Declared = aiperf_core::declared!();

    fn from_model_endpoint(_: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}

impl Exporter for CsvExporter {
    fn export(&self, results: &Results<'_>) -> Result<String, ExportError> {
        let stats: Vec<&StatRow> = results.stats.iter().filter(|row| !NOT_IN_AIPERF_CSV.contains(&row.key)).collect();
        write_csv(results.dir, &stats, results.values)?;
        Ok(String::new())
    }
}

/// A row's label: `Title (unit)`, or the title alone for a count (AIPerf's rule).
fn label(title: &str, unit: &str) -> String {
    if matches!(unit, "" | "count" | "requests") { title.to_owned() } else { format!("{title} ({unit})") }
}

/// Writes `profile_export_aiperf.csv` into `dir`.
fn write_csv(dir: &Path, stats: &[&StatRow], values: &[ValueRow]) -> Result<(), ExportError> {
    let path = dir.join(super::CSV_FILE);
    let io = |source| ExportError::io(&path, source);
    let csv_error = |e: csv::Error| io(std::io::Error::other(e));
    let builder = || {
        let mut builder = csv::WriterBuilder::new();
        builder.flexible(true).terminator(csv::Terminator::CRLF);
        builder
    };
    let mut stats = stats.to_vec();
    stats.sort_by_key(|row| row.key);
    let mut values: Vec<&ValueRow> = values.iter().collect();
    values.sort_by_key(|a| a.key);
    let mut writer = builder().from_path(&path).map_err(csv_error)?;
    if !stats.is_empty() {
        writer.write_record(std::iter::once("Metric").chain(STAT_COLUMNS)).map_err(csv_error)?;
        for row in &stats {
            // An infinite statistic (an error-adjusted one) is `inf`, as Python formats it.
            let cells = row.cells.map(|cell| cell.filter(|v| !v.is_nan()).map(|v| format!("{v:.2}")).unwrap_or_default());
            writer.write_record(std::iter::once(label(row.title, row.unit)).chain(cells)).map_err(csv_error)?;
        }
    }
    if !values.is_empty() {
        // A blank line between the sections (an empty CSV record would be `""`).
        let mut file = writer.into_inner().map_err(|e| io(e.into_error()))?;
        if !stats.is_empty() {
            file.write_all(b"\r\n").map_err(io)?;
        }
        writer = builder().from_writer(file);
        writer.write_record(["Metric", "Value"]).map_err(csv_error)?;
        for a in values {
            writer.write_record([label(a.title, a.unit), format!("{:.2}", a.value)]).map_err(csv_error)?;
        }
    }
    writer.flush().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{record_row, weighted_row};
    use crate::metrics::Metric;
    use crate::stats::Summary;
    use crate::timeline::WeightedSummary;

    #[test]
    fn sections_sorted_by_key_with_aiperf_labels_and_crlf() {
        let dir = std::env::temp_dir().join(format!("aiperf-csv-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let summary = Summary { avg: 2.0, min: 1.0, max: 3.0, sum: 4.0, count: 2, std: 1.0, ..Summary::default() };
        let weighted = WeightedSummary { avg: 1.5, min: 0.0, max: 2.0, p50: 2.0, p90: 2.0, p95: 2.0, p99: 2.0, std: 0.5 };
        let stats = [
            record_row(Metric::TimeToFirstToken, &summary),
            record_row(Metric::HttpReqChunksReceived, &summary),
            weighted_row("effective_concurrency", "Effective Concurrency", "requests", &weighted),
            record_row(Metric::TimeToFirstOutputToken, &summary),
        ];
        let value = |key, title, unit, value| ValueRow { key, title, unit, value, on_console: true };
        let values = [
            value("request_throughput", "Request Throughput", "requests/sec", 9.5),
            value("request_count", "Request Count", "requests", 19.0),
        ];
        write_csv(&dir, &stats.iter().collect::<Vec<_>>(), &values).unwrap();
        let text = std::fs::read_to_string(dir.join(super::super::CSV_FILE)).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let expected = [
            "Metric,avg,min,max,sum,p1,p5,p10,p25,p50,p75,p90,p95,p99,std",
            "Effective Concurrency,1.50,0.00,2.00,,,,,,2.00,,2.00,2.00,2.00,0.50",
            "HTTP Chunks Received,2.00,1.00,3.00,4.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00,1.00",
            "Time to First Output Token (ms),2.00,1.00,3.00,4.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00,1.00",
            "Time to First Token (ms),2.00,1.00,3.00,4.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00,1.00",
            "",
            "Metric,Value",
            "Request Count,19.00",
            "Request Throughput (requests/sec),9.50",
            "",
        ];
        assert_eq!(text, expected.join("\r\n"));
    }
}
