//! The `console` exporter: the table printed when a run ends (one row per per-request metric the
//! console shows: avg, min, max, p99, p90, p50, std; then the single values it shows), the notes
//! under it, and the same text in `profile_export_console.txt`.

use std::fmt::Write as _;

use aiperf_core::{ConfigError, ExportError, Exporter, FromModelEndpoint, ModelEndpointInfo, Results};

/// The statistics the console shows, and their positions in a row's cells.
const COLUMNS: [(&str, usize); 7] = [("avg", 0), ("min", 1), ("max", 2), ("p99", 12), ("p90", 10), ("p50", 8), ("std", 13)];

/// Prints the console table and writes it to `profile_export_console.txt`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ConsoleExporter;

impl FromModelEndpoint for ConsoleExporter {
    const DECLARED: aiperf_core::Declared = aiperf_core::declared!();

    fn from_model_endpoint(_: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}

impl Exporter for ConsoleExporter {
    fn export(&self, results: &Results<'_>) -> Result<String, ExportError> {
        let console = table(results) + results.notes;
        let path = results.dir.join(super::CONSOLE_FILE);
        std::fs::write(&path, &console).map_err(|e| ExportError::io(&path, e))?;
        Ok(console)
    }
}

/// The table: the metrics the console shows, then the single values (their other cells `N/A`).
fn table(results: &Results<'_>) -> String {
    let cell = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "N/A".to_owned());
    let mut rows: Vec<[String; 8]> = results
        .stats
        .iter()
        .filter(|row| row.on_console)
        .map(|row| {
            let mut out: [String; 8] = Default::default();
            out[0] = format!("{} ({})", row.title, row.unit);
            for (slot, (_, index)) in out[1..].iter_mut().zip(COLUMNS) {
                *slot = cell(row.cells[index]);
            }
            out
        })
        .collect();
    rows.extend(results.values.iter().filter(|v| v.on_console).map(|v| {
        let mut row: [String; 8] = Default::default();
        row[0] = format!("{} ({})", v.title, v.unit);
        row[1] = format!("{:.2}", v.value);
        for cell in &mut row[2..] {
            cell.push_str("N/A");
        }
        row
    }));
    let mut widths = [0usize; 8];
    widths[0] = "Metric".len();
    for (i, (name, _)) in COLUMNS.iter().enumerate() {
        widths[i + 1] = name.len();
    }
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let total: usize = widths.iter().sum::<usize>() + 3 * widths.len() + 1;
    let title = results.title;
    let mut out = String::new();
    let _ = writeln!(out, "{}", format!("{title:^total$}").trim_end());
    let rule = |out: &mut String, fill: char| {
        out.push('+');
        for w in widths {
            out.extend(std::iter::repeat_n(fill, w + 2));
            out.push('+');
        }
        out.push('\n');
    };
    rule(&mut out, '-');
    let write_row = |out: &mut String, cells: &mut dyn Iterator<Item = &str>| {
        out.push('|');
        for (i, (cell, w)) in cells.zip(widths).enumerate() {
            // The metric name is left-aligned, numbers right-aligned.
            let _ = if i == 0 { write!(out, " {cell:<w$} |") } else { write!(out, " {cell:>w$} |") };
        }
        out.push('\n');
    };
    write_row(&mut out, &mut std::iter::once("Metric").chain(COLUMNS.map(|(name, _)| name)));
    rule(&mut out, '=');
    for row in &rows {
        write_row(&mut out, &mut row.iter().map(String::as_str));
    }
    rule(&mut out, '-');
    out
}
