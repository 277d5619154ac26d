//! `server_metrics_export.parquet`, AIPerf 0.13's columns: a row per sample in the profiling
//! window (a histogram's, a row per bucket), gauges as read, counters and histograms as their
//! increase since the window's reference, the label keys as columns, and the run's provenance in
//! the file's key-value metadata. Snappy-compressed, as AIPerf writes it.
//!
//! Pages are kept on disk through the run ([`Spill`]), not in memory, and read back once at the
//! end: memory holds one row group at most, whatever the run's length. Rows come page by page
//! (AIPerf groups them by series); a query does not see the difference.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use serde_json::{Value, json};

use crate::collect::Endpoint;
use crate::exposition::Kind;
use crate::window::{Series, Snapshot};

/// The file's name.
pub const PARQUET_FILE: &str = "server_metrics_export.parquet";

/// The columns before the label columns, and after them.
const HEAD: [&str; 6] = ["endpoint_url", "metric_name", "metric_type", "unit", "description", "timestamp_ns"];
const TAIL: [&str; 5] = ["value", "sum", "count", "bucket_le", "bucket_count"];

/// Rows a row group holds (AIPerf writes batches of 10,000).
const ROW_GROUP: usize = 10_000;

/// Every page of a run, one JSON line each, in a file beside the exports until the Parquet file
/// is written from it.
pub struct Spill {
    path: PathBuf,
    file: BufWriter<File>,
    /// The first page that could not be kept: the file would miss it, so none is written.
    lost: Option<std::io::Error>,
}

impl Spill {
    /// Writes the Parquet file from the pages kept (none in the window: no file), then removes
    /// them. Returns the path written.
    ///
    /// # Errors
    /// What could not be read or written.
    pub fn finish(self, endpoints: &[Endpoint], run: &aiperf_bench::observe::RunExports<'_>) -> Result<Option<PathBuf>, String> {
        let Self { path, file, lost } = self;
        let flushed = match lost {
            Some(e) => Err(format!("cannot write {}: {e}", path.display())),
            None => file.into_inner().map(drop).map_err(|e| format!("cannot write {}: {}", path.display(), e.error())),
        };
        let written = flushed.and_then(|()| write(&path, endpoints, run));
        let _ = std::fs::remove_file(&path);
        written
    }

    /// A new spill file in `dir`.
    ///
    /// # Errors
    /// The file cannot be created.
    pub fn create(dir: &Path) -> Result<Self, String> {
        let path = dir.join(".server_metrics_pages.jsonl");
        let file = File::create(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(Self { path, file: BufWriter::new(file), lost: None })
    }

    /// Keeps one page (a `server_metrics_export.jsonl` line, `_info` families included).
    pub fn push(&mut self, line: &Value) {
        // A page that cannot be kept (a full disk) would be missing from the file: `finish`
        // then writes none and says why.
        if self.lost.is_none()
            && let Err(e) = writeln!(self.file, "{line}")
        {
            self.lost = Some(e);
        }
    }
}

/// One cell.
enum Cell<'a> {
    Null,
    Text(&'a str),
    Int(i64),
    Double(f64),
}

/// One column's values in a row group: the present values, and a definition level a row.
enum Column {
    Text(Vec<ByteArray>, Vec<i16>),
    Int(Vec<i64>, Vec<i16>),
    Double(Vec<f64>, Vec<i16>),
}

impl Column {
    fn new(physical: Physical) -> Self {
        match physical {
            Physical::INT64 => Self::Int(Vec::new(), Vec::new()),
            Physical::DOUBLE => Self::Double(Vec::new(), Vec::new()),
            _ => Self::Text(Vec::new(), Vec::new()),
        }
    }

    fn push(&mut self, cell: &Cell<'_>) {
        let present = match (&mut *self, cell) {
            (Self::Text(values, _), Cell::Text(text)) => {
                values.push(ByteArray::from(*text));
                1
            }
            (Self::Int(values, _), Cell::Int(n)) => {
                values.push(*n);
                1
            }
            (Self::Double(values, _), Cell::Double(x)) => {
                values.push(*x);
                1
            }
            _ => 0,
        };
        self.levels().push(present);
    }

    /// Empties it for the next row group (keeping its room).
    fn clear(&mut self) {
        match self {
            Self::Text(values, levels) => (values.clear(), levels.clear()),
            Self::Int(values, levels) => (values.clear(), levels.clear()),
            Self::Double(values, levels) => (values.clear(), levels.clear()),
        };
    }

    fn levels(&mut self) -> &mut Vec<i16> {
        match self {
            Self::Text(_, levels) | Self::Int(_, levels) | Self::Double(_, levels) => levels,
        }
    }
}

/// The file's columns: the fixed ones around the label keys (sorted, AIPerf's own names left out).
fn columns(labels: &[String]) -> Vec<(String, Physical)> {
    let physical = |name: &str| match name {
        "timestamp_ns" => Physical::INT64,
        "value" | "sum" | "count" | "bucket_count" => Physical::DOUBLE,
        _ => Physical::BYTE_ARRAY,
    };
    HEAD.iter()
        .map(|c| (*c).to_owned())
        .chain(labels.iter().cloned())
        .chain(TAIL.iter().map(|c| (*c).to_owned()))
        .map(|c| {
            let p = physical(&c);
            (c, p)
        })
        .collect()
}

fn schema(columns: &[(String, Physical)]) -> Result<Arc<Type>, String> {
    let fields = columns
        .iter()
        .map(|(name, physical)| {
            let logical = (*physical == Physical::BYTE_ARRAY).then_some(LogicalType::String);
            Type::primitive_type_builder(name, *physical)
                .with_repetition(Repetition::OPTIONAL)
                .with_logical_type(logical)
                .build()
                .map(Arc::new)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    Type::group_type_builder("schema").with_fields(fields).build().map(Arc::new).map_err(|e| e.to_string())
}

/// The label keys of every series of every endpoint, sorted, AIPerf's own column names left out.
fn label_keys(endpoints: &[Endpoint]) -> Vec<String> {
    let keys: BTreeSet<&String> = endpoints
        .iter()
        .flat_map(|e| e.window.families.values())
        .flat_map(|family| family.series.keys())
        .flat_map(|labels| labels.keys())
        .filter(|key| !HEAD.contains(&key.as_str()) && !TAIL.contains(&key.as_str()))
        .collect();
    keys.into_iter().cloned().collect()
}

/// The file's key-value metadata: AIPerf's provenance keys.
fn metadata(endpoints: &[Endpoint], labels: &[String], run: &aiperf_bench::observe::RunExports<'_>) -> Vec<KeyValue> {
    let mut kinds = serde_json::Map::new();
    for kind in [Kind::Gauge, Kind::Counter, Kind::Histogram, Kind::Unknown] {
        let count = endpoints.iter().flat_map(|e| e.window.families.values()).filter(|f| f.kind == kind).count();
        kinds.insert(kind.name().to_owned(), json!(count));
    }
    let metrics: usize = endpoints.iter().map(|e| e.window.families.len()).sum();
    let mut urls: Vec<&str> = endpoints.iter().filter(|e| e.fetches.total > 0).map(|e| e.url.as_str()).collect();
    urls.sort_unstable();
    let duration = run.end_ns.saturating_sub(run.start_ns);
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    [
        ("aiperf.schema_version", "1.0".to_owned()),
        ("aiperf.version", env!("CARGO_PKG_VERSION").to_owned()),
        ("aiperf.benchmark_id", text(&run.summary["benchmark_id"])),
        ("aiperf.export_timestamp_utc", jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()),
        ("aiperf.exporter", "ServerMetricsParquetExporter".to_owned()),
        ("aiperf.time_filter_start_ns", run.start_ns.to_string()),
        ("aiperf.time_filter_end_ns", run.end_ns.to_string()),
        ("aiperf.profiling_duration_ns", duration.to_string()),
        ("aiperf.profiling_duration_seconds", (duration as f64 / 1e9).to_string()),
        ("aiperf.input_config", run.summary["input_config"].to_string()),
        ("aiperf.endpoint_urls", json!(urls).to_string()),
        ("aiperf.endpoint_count", urls.len().to_string()),
        ("aiperf.label_columns", json!(labels).to_string()),
        ("aiperf.label_count", labels.len().to_string()),
        ("aiperf.metric_count", metrics.to_string()),
        ("aiperf.metric_type_counts", Value::Object(kinds).to_string()),
        ("aiperf.schema_note", "The label columns differ between endpoints and models: join files by column name.".to_owned()),
    ]
    .into_iter()
    .map(|(key, value)| KeyValue::new(key.to_owned(), value))
    .collect()
}

/// The row group being filled, and the file.
struct Writer {
    file: SerializedFileWriter<File>,
    columns: Vec<Column>,
    rows: usize,
    written: usize,
}

impl Writer {
    fn push(&mut self, row: &[Cell<'_>]) -> Result<(), String> {
        for (column, cell) in self.columns.iter_mut().zip(row) {
            column.push(cell);
        }
        self.rows += 1;
        if self.rows >= ROW_GROUP { self.flush() } else { Ok(()) }
    }

    /// Writes the rows gathered as one row group.
    fn flush(&mut self) -> Result<(), String> {
        if self.rows == 0 {
            return Ok(());
        }
        let error = |e: parquet::errors::ParquetError| e.to_string();
        let mut group = self.file.next_row_group().map_err(error)?;
        for column in &mut self.columns {
            let mut out = group.next_column().map_err(error)?.ok_or("a column missing from the schema")?;
            match column {
                Column::Text(values, levels) => out.typed::<ByteArrayType>().write_batch(values, Some(levels), None),
                Column::Int(values, levels) => out.typed::<Int64Type>().write_batch(values, Some(levels), None),
                Column::Double(values, levels) => out.typed::<DoubleType>().write_batch(values, Some(levels), None),
            }
            .map_err(error)?;
            out.close().map_err(error)?;
            column.clear();
        }
        group.close().map_err(error)?;
        self.written += self.rows;
        self.rows = 0;
        Ok(())
    }
}

/// Writes the file from the pages in `pages`; `None` when no page was in the window.
fn write(pages: &Path, endpoints: &[Endpoint], run: &aiperf_bench::observe::RunExports<'_>) -> Result<Option<PathBuf>, String> {
    let labels = label_keys(endpoints);
    let columns = columns(&labels);
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_key_value_metadata(Some(metadata(endpoints, &labels, run)))
        .build();
    let out = run.dir.join(PARQUET_FILE);
    let file = File::create(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let file = SerializedFileWriter::new(file, schema(&columns)?, Arc::new(properties)).map_err(|e| e.to_string())?;
    let columns = columns.iter().map(|(_, physical)| Column::new(*physical)).collect();
    let mut writer = Writer { file, columns, rows: 0, written: 0 };
    let reader = BufReader::new(File::open(pages).map_err(|e| format!("cannot read {}: {e}", pages.display()))?);
    for line in reader.lines() {
        let line = line.map_err(|e| format!("cannot read {}: {e}", pages.display()))?;
        let Ok(page) = serde_json::from_str::<Value>(&line) else { continue };
        page_rows(&page, endpoints, &labels, &mut writer)?;
    }
    writer.flush()?;
    let written = writer.written;
    writer.file.close().map_err(|e| e.to_string())?;
    if written == 0 {
        let _ = std::fs::remove_file(&out);
        return Ok(None);
    }
    Ok(Some(out))
}

/// The rows of one page in the window (pages before it only gave the references).
fn page_rows(page: &Value, endpoints: &[Endpoint], labels: &[String], writer: &mut Writer) -> Result<(), String> {
    let (Some(url), Some(ns), Some(families)) = (page["endpoint_url"].as_str(), page["timestamp_ns"].as_i64(), page["metrics"].as_object())
    else {
        return Ok(());
    };
    let Some(endpoint) = endpoints.iter().find(|e| e.url == url).filter(|_| page.get("benchmark_phase").is_some()) else {
        return Ok(());
    };
    for (name, samples) in families {
        let Some(family) = endpoint.window.families.get(name) else { continue };
        for sample in samples.as_array().into_iter().flatten() {
            let series_labels: crate::exposition::Labels = sample
                .get("labels")
                .and_then(Value::as_object)
                .map(|l| l.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect())
                .unwrap_or_default();
            let Some(series) = family.series.get(&series_labels) else { continue };
            let unit = crate::export::unit(name, &family.help);
            let mut row: Vec<Cell<'_>> = vec![
                Cell::Text(url),
                Cell::Text(name),
                Cell::Text(family.kind.name()),
                unit.map_or(Cell::Null, Cell::Text),
                Cell::Text(&family.help),
                Cell::Int(ns),
            ];
            row.extend(labels.iter().map(|key| series_labels.get(key).map_or(Cell::Null, |v| Cell::Text(v))));
            let tail = row.len();
            row.extend((0..TAIL.len()).map(|_| Cell::Null));
            let delta = |now: f64, reference: f64| (now - reference).max(0.0);
            match series {
                Series::Gauge(_) => {
                    row[tail] = sample["value"].as_f64().map_or(Cell::Null, Cell::Double);
                    writer.push(&row)?;
                }
                Series::Counter { reference, .. } => {
                    let value = sample["value"].as_f64().unwrap_or_default();
                    row[tail] = Cell::Double(delta(value, reference.map_or(value, |r| r.1)));
                    writer.push(&row)?;
                }
                Series::Histogram { reference, .. } => {
                    let (sum, count) = (sample["sum"].as_f64().unwrap_or_default(), sample["count"].as_f64().unwrap_or_default());
                    let base = reference.as_ref();
                    row[tail + 1] = Cell::Double(delta(sum, base.map_or(sum, |r| r.sum)));
                    row[tail + 2] = Cell::Double(delta(count, base.map_or(count, |r| r.count)));
                    for (le, cumulative) in sample["buckets"].as_object().into_iter().flatten() {
                        let cumulative = cumulative.as_f64().unwrap_or_default();
                        let before = base.and_then(|r: &Snapshot| r.buckets.iter().find(|(l, _)| l == le)).map_or(cumulative, |b| b.1);
                        row[tail + 3] = Cell::Text(le);
                        row[tail + 4] = Cell::Double(delta(cumulative, before));
                        writer.push(&row)?;
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
