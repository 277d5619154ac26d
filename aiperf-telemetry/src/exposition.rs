//! A `/metrics` page (Prometheus text format 0.0.4) as the summaries read it, through
//! `prom_text_format_parser`: families by AIPerf's names (a counter's `_total` dropped), each
//! series by its labels (unescaped, sorted), a histogram's buckets, sum and count together.
//! Left out as AIPerf leaves them out: summaries, `*_created` and `*_uptime` families, and
//! samples that are not finite numbers.

use std::collections::BTreeMap;

use prom_text_format_parser::{Metric, Sample, Type, ValueType};

/// A family's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A value that goes up and down.
    Gauge,
    /// A cumulative count.
    Counter,
    /// Cumulative buckets, a sum and a count.
    Histogram,
    /// Untyped: read as a gauge.
    Unknown,
}

impl Kind {
    /// Its name in the exports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Gauge => "gauge",
            Self::Counter => "counter",
            Self::Histogram => "histogram",
            Self::Unknown => "unknown",
        }
    }
}

/// Labels, sorted by key (`le` taken out of a histogram's).
pub type Labels = BTreeMap<String, String>;

/// One series' value in a page.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A gauge's, a counter's or an untyped sample's.
    Scalar(f64),
    /// A histogram's: cumulative buckets by their `le` as exposed, in ascending order, `+Inf`
    /// last; the sum and count.
    Histogram {
        /// `(le, cumulative count)`.
        buckets: Vec<(String, f64)>,
        /// The sum of the observations.
        sum: f64,
        /// Their count.
        count: f64,
    },
}

/// A family of series.
#[derive(Clone, Debug, PartialEq)]
pub struct Family {
    /// Its name (a counter's without `_total`).
    pub name: String,
    /// Its kind.
    pub kind: Kind,
    /// Its `# HELP` text.
    pub help: String,
    /// Its series, in page order.
    pub series: Vec<(Labels, Value)>,
}

/// Reads a page. A page with no family at all that is not empty is no metrics page (JSON, an
/// HTML error page): its error says why.
///
/// # Errors
/// What the parser said of a page it could read nothing from.
pub fn parse(text: &str) -> Result<Vec<Family>, String> {
    // The parser takes `\n` line ends only.
    let text = if text.contains('\r') { text.replace("\r\n", "\n") } else { text.to_owned() };
    let (metrics, error) = prom_text_format_parser::parse_scrape(&text);
    if metrics.is_empty() && !text.trim().is_empty() {
        let reason = error.map_or_else(|| "no metric in it".to_owned(), |e| format!("{e:?}"));
        let reason: String = reason.chars().take(200).collect();
        return Err(format!("not a Prometheus text page: {reason}"));
    }
    Ok(metrics.into_iter().filter_map(family).collect())
}

fn family(metric: Metric) -> Option<Family> {
    let name = metric.name;
    if name.ends_with("_created") || name.ends_with("_uptime") || name.contains("_uptime_") {
        return None;
    }
    let help = metric.help_desc.unwrap_or_default();
    let (kind, series) = match metric.kind {
        Type::Summary => return None,
        Type::Histogram => (Kind::Histogram, histograms(&metric.samples)),
        kind => {
            let kind = match kind {
                Type::Counter => Kind::Counter,
                Type::Gauge => Kind::Gauge,
                _ => Kind::Unknown,
            };
            let series = metric
                .samples
                .iter()
                .filter(|sample| sample.value.value_type == ValueType::Sample)
                .filter_map(|sample| Some((labels(sample, false), Value::Scalar(number(sample)?))))
                .collect();
            (kind, series)
        }
    };
    let name = match kind {
        Kind::Counter => name.strip_suffix("_total").map_or(name.clone(), str::to_owned),
        _ => name,
    };
    Some(Family { name, kind, help, series })
}

/// A histogram series being grouped: labels, buckets, sum, count, whether every value was finite.
type Grouped = (Labels, Vec<(String, f64)>, Option<f64>, Option<f64>, bool);

/// A histogram's samples grouped by their labels (without `le`); a series with a value that is
/// not a finite number, or without its sum or count, is left out.
fn histograms(samples: &[Sample]) -> Vec<(Labels, Value)> {
    let mut grouped: Vec<Grouped> = Vec::new();
    for sample in samples {
        let labels = labels(sample, true);
        let index = match grouped.iter().position(|(l, ..)| *l == labels) {
            Some(index) => index,
            None => {
                grouped.push((labels, Vec::new(), None, None, true));
                grouped.len() - 1
            }
        };
        let entry = &mut grouped[index];
        let Some(value) = number(sample) else {
            entry.4 = false;
            continue;
        };
        match sample.value.value_type {
            ValueType::Sum => entry.2 = Some(value),
            ValueType::Count => entry.3 = Some(value),
            ValueType::Sample => {
                if let Some(le) = sample.labels.iter().find(|label| label.key == "le") {
                    entry.1.push((unescape(&le.value), value));
                }
            }
        }
    }
    grouped
        .into_iter()
        .filter_map(|(labels, mut buckets, sum, count, finite)| {
            let (sum, count) = (sum?, count?);
            if !finite || buckets.is_empty() {
                return None;
            }
            buckets.sort_by(|a, b| le(&a.0).total_cmp(&le(&b.0)));
            Some((labels, Value::Histogram { buckets, sum, count }))
        })
        .collect()
}

/// A bucket's upper bound as a number (`+Inf` last).
pub fn le(text: &str) -> f64 {
    text.parse().unwrap_or(f64::INFINITY)
}

/// A sample's value, when it is a finite number.
fn number(sample: &Sample) -> Option<f64> {
    let text: &str = &sample.value.value;
    text.parse::<f64>().ok().filter(|value| value.is_finite())
}

/// A sample's labels, unescaped and sorted (without `le` for a histogram's).
fn labels(sample: &Sample, histogram: bool) -> Labels {
    sample
        .labels
        .iter()
        .filter(|label| !(histogram && label.key == "le"))
        .map(|label| (label.key.clone(), unescape(&label.value)))
        .collect()
}

/// A label value as the text format escapes it (`\\`, `\"`, `\n`), unescaped.
fn unescape(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            (c, false) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
