//! `aiperf analyze-trace`: what a trace's rows imply before it is replayed, as AIPerf 0.13's
//! analysis reports it: input and output length distributions, how much of each prompt is
//! context other rows share (by `hash_ids` block), and the prefix-cache hit rate an infinite
//! cache would give in the trace's order. Only `input_length`, `output_length` and `hash_ids`
//! are read; the statistics are numpy's (pairwise sums, population deviation, linear
//! percentiles), so the figures are AIPerf's to the bit.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Read};

use serde::{Deserialize, Serialize};

use crate::stats::numpy::{numpy_sum, percentile};

/// The most bytes one line may have (a trace row is a few hundred).
const MAX_LINE_BYTES: usize = 16 << 20;

/// One row, as the analysis reads it.
#[derive(Debug, Default, Deserialize)]
struct Row {
    #[serde(default)]
    input_length: u64,
    #[serde(default)]
    output_length: u64,
    #[serde(default)]
    hash_ids: Option<Vec<u64>>,
}

impl Row {
    /// Its blocks (none when `hash_ids` is missing or null).
    fn blocks(&self) -> &[u64] {
        self.hash_ids.as_deref().unwrap_or_default()
    }
}

/// A series' statistics, AIPerf's `MetricStats`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SeriesStats {
    /// Mean.
    pub mean: f64,
    /// Population standard deviation.
    pub std_dev: f64,
    /// Smallest.
    pub min: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub median: f64,
    /// 75th percentile.
    pub p75: f64,
    /// Largest.
    pub max: f64,
}

/// The report, with AIPerf's keys in its order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceAnalysis {
    /// Rows read.
    pub total_requests: usize,
    /// Distinct `hash_ids` prefixes (every leading run of a row's blocks).
    pub unique_prefixes: usize,
    /// First blocks that start at least two rows.
    pub num_prefix_groups: usize,
    /// The mean of the rows' hit rates (rows with blocks).
    pub cache_hit_rate: f64,
    /// Shortest input.
    pub min_isl: u64,
    /// Longest input.
    pub max_isl: u64,
    /// Mean input.
    pub avg_isl: f64,
    /// Shortest output.
    pub min_osl: u64,
    /// Longest output.
    pub max_osl: u64,
    /// Mean output.
    pub avg_osl: f64,
    /// Of all (row, prefix) occurrences, the share whose prefix occurs more than once.
    pub prefix_reuse_ratio: f64,
    /// Input lengths.
    pub isl_stats: Option<SeriesStats>,
    /// Output lengths.
    pub osl_stats: Option<SeriesStats>,
    /// Tokens of each row in blocks another row has at the same place.
    pub context_length_stats: Option<SeriesStats>,
    /// The rest of each row's input.
    pub unique_prompt_length_stats: Option<SeriesStats>,
    /// Each row's share of blocks already cached when it comes (its longest cached prefix).
    pub hit_rate_stats: Option<SeriesStats>,
}

/// The analysis of the JSON lines of `reader`, blocks of `block_size` tokens.
///
/// # Errors
/// A line that cannot be read or is no JSON object of the trace's fields, by its 1-based number.
pub fn analyze(mut reader: impl BufRead, block_size: u64) -> Result<TraceAnalysis, String> {
    let mut rows = Vec::new();
    let mut bytes = Vec::new();
    for number in 1.. {
        // A line is read at most its bound and a byte: a file without newlines holds no more.
        bytes.clear();
        let read =
            (&mut reader).take(MAX_LINE_BYTES as u64 + 1).read_until(b'\n', &mut bytes).map_err(|e| format!("line {number}: {e}"))?;
        if read == 0 {
            break;
        }
        if bytes.len() > MAX_LINE_BYTES {
            return Err(format!("line {number}: longer than {MAX_LINE_BYTES} bytes"));
        }
        let line = std::str::from_utf8(&bytes).map_err(|e| format!("line {number}: not UTF-8 ({e})"))?;
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("line {number}: {e}"))?;
        if !value.is_object() {
            let kind = match value {
                serde_json::Value::Array(_) => "an array",
                serde_json::Value::String(_) => "a string",
                serde_json::Value::Number(_) => "a number",
                _ => "a literal",
            };
            return Err(format!("line {number}: a JSON object of input_length, output_length and hash_ids, not {kind}"));
        }
        let row = Row::deserialize(value).map_err(|e| format!("line {number}: {e}"))?;
        rows.push(row);
    }
    Ok(report(&rows, block_size))
}

fn report(rows: &[Row], block_size: u64) -> TraceAnalysis {
    // Each prefix as a node of a trie: (parent, block) → node, with its occurrences.
    let (mut nodes, mut counts): (HashMap<(usize, u64), usize>, Vec<u64>) = (HashMap::new(), Vec::new());
    let mut positions: HashMap<(usize, u64), u64> = HashMap::new();
    let mut firsts: HashMap<u64, u64> = HashMap::new();
    for row in rows {
        let mut parent = usize::MAX;
        for (position, &block) in row.blocks().iter().enumerate() {
            let next = nodes.len();
            let node = *nodes.entry((parent, block)).or_insert(next);
            if node == counts.len() {
                counts.push(0);
            }
            counts[node] += 1;
            parent = node;
            *positions.entry((position, block)).or_default() += 1;
        }
        if let Some(&first) = row.blocks().first() {
            *firsts.entry(first).or_default() += 1;
        }
    }
    let occurrences: u64 = counts.iter().sum();
    let reused: u64 = counts.iter().filter(|&&n| n > 1).sum();
    let (mut context, mut unique, mut hits) = (Vec::new(), Vec::new(), Vec::new());
    let mut seen = HashSet::new();
    for row in rows {
        let ids = row.blocks();
        let repeated = ids.iter().enumerate().filter(|&(p, &b)| positions[&(p, b)] > 1).count() as u64;
        let shared = match ids.len() as u64 {
            0 => 0,
            n if repeated == n => row.input_length,
            _ => repeated.saturating_mul(block_size),
        };
        context.push(shared as f64);
        unique.push(row.input_length as f64 - shared as f64);
        if !ids.is_empty() {
            let cached = ids.iter().take_while(|b| seen.contains(*b)).count();
            hits.push(cached as f64 / ids.len() as f64);
            seen.extend(ids.iter().copied());
        }
    }
    let isl: Vec<f64> = rows.iter().map(|r| r.input_length as f64).collect();
    let osl: Vec<f64> = rows.iter().map(|r| r.output_length as f64).collect();
    let mean = |v: &[f64]| if v.is_empty() { 0.0 } else { numpy_sum(v) / v.len() as f64 };
    TraceAnalysis {
        total_requests: rows.len(),
        unique_prefixes: counts.len(),
        num_prefix_groups: firsts.values().filter(|&&n| n > 1).count(),
        cache_hit_rate: mean(&hits),
        min_isl: rows.iter().map(|r| r.input_length).min().unwrap_or(0),
        max_isl: rows.iter().map(|r| r.input_length).max().unwrap_or(0),
        avg_isl: mean(&isl),
        min_osl: rows.iter().map(|r| r.output_length).min().unwrap_or(0),
        max_osl: rows.iter().map(|r| r.output_length).max().unwrap_or(0),
        avg_osl: mean(&osl),
        prefix_reuse_ratio: if occurrences == 0 { 0.0 } else { reused as f64 / occurrences as f64 },
        isl_stats: stats(isl),
        osl_stats: stats(osl),
        context_length_stats: stats(context),
        unique_prompt_length_stats: stats(unique),
        hit_rate_stats: stats(hits),
    }
}

/// numpy's `mean`, `std`, `min`, `percentile(25)`, `median`, `percentile(75)` and `max` of `values`.
fn stats(mut values: Vec<f64>) -> Option<SeriesStats> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let mean = numpy_sum(&values) / n;
    let squares: Vec<f64> = values.iter().map(|v| (v - mean) * (v - mean)).collect();
    let std_dev = (numpy_sum(&squares) / n).sqrt();
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    let median = if values.len() % 2 == 1 { values[middle] } else { (values[middle - 1] + values[middle]) / 2.0 };
    Some(SeriesStats {
        mean,
        std_dev,
        min: values[0],
        p25: percentile(&values, 25.0),
        median,
        p75: percentile(&values, 75.0),
        max: values[values.len() - 1],
    })
}

#[cfg(test)]
mod tests;
