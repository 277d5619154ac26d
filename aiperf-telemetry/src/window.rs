//! One endpoint's series over a run's profiling window, as the summaries need them and no more:
//! a gauge's samples in the window, a counter's and a histogram's first (the last before the
//! window, else the first in it) and last, and what a histogram's scrapes taught its estimator
//! (`estimate::Learning`). Memory grows only with a gauge's samples (one number a scrape) and a
//! histogram's single-bucket intervals (one number each).

use std::collections::BTreeMap;

use crate::estimate::{HistogramPoint, Learning};
use crate::exposition::{Family, Kind, Labels, Value};

/// A histogram at one scrape.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// When it was scraped, ns since the Unix epoch.
    pub ns: u64,
    /// Cumulative buckets by `le`.
    pub buckets: Vec<(String, f64)>,
    /// Sum of the observations.
    pub sum: f64,
    /// Their count.
    pub count: f64,
}

/// One series over the window.
#[derive(Clone, Debug, PartialEq)]
pub enum Series {
    /// A gauge's (or an untyped series') samples in the window.
    Gauge(Vec<f64>),
    /// A counter's value at its reference and at its last scrape, `(ns, value)`.
    Counter {
        /// The last before the window, else the first in it.
        reference: Option<(u64, f64)>,
        /// The last in the window.
        last: Option<(u64, f64)>,
    },
    /// A histogram's reference and last snapshots.
    Histogram {
        /// The last before the window, else the first in it.
        reference: Option<Snapshot>,
        /// The last in the window.
        last: Option<Snapshot>,
        /// What the scrapes from the reference on taught the estimator.
        learning: Option<Learning>,
    },
}

/// A family over the window.
#[derive(Clone, Debug, PartialEq)]
pub struct FamilyWindow {
    /// Its kind.
    pub kind: Kind,
    /// Its help text.
    pub help: String,
    /// Its series by their labels.
    pub series: BTreeMap<Labels, Series>,
}

/// Every family of one endpoint over the window, by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Window {
    /// The families, by name.
    pub families: BTreeMap<String, FamilyWindow>,
}

impl Window {
    /// Adds a page scraped at `ns`: before the window (a reference only) or in it.
    pub fn add(&mut self, ns: u64, page: &[Family], in_window: bool) {
        for family in page {
            let entry = self.families.entry(family.name.clone()).or_insert_with(|| FamilyWindow {
                kind: family.kind,
                help: family.help.clone(),
                series: BTreeMap::new(),
            });
            if entry.kind != family.kind {
                continue;
            }
            for (labels, value) in &family.series {
                let series = entry.series.entry(labels.clone()).or_insert_with(|| match family.kind {
                    Kind::Gauge | Kind::Unknown => Series::Gauge(Vec::new()),
                    Kind::Counter => Series::Counter { reference: None, last: None },
                    Kind::Histogram => Series::Histogram { reference: None, last: None, learning: None },
                });
                add(series, ns, value, in_window);
            }
        }
    }
}

fn add(series: &mut Series, ns: u64, value: &Value, in_window: bool) {
    match (series, value) {
        (Series::Gauge(values), Value::Scalar(value)) if in_window => values.push(*value),
        (Series::Counter { reference, last }, Value::Scalar(value)) => {
            if !in_window {
                *reference = Some((ns, *value));
            } else {
                reference.get_or_insert((ns, *value));
                *last = Some((ns, *value));
            }
        }
        (Series::Histogram { reference, last, learning }, Value::Histogram { buckets, sum, count }) => {
            let point = HistogramPoint { buckets, sum: *sum, count: *count };
            let snapshot = Snapshot { ns, buckets: buckets.clone(), sum: *sum, count: *count };
            if !in_window || reference.is_none() {
                // A new reference: learning starts again from it.
                *learning = Learning::new(&point);
                *reference = Some(snapshot.clone());
            } else if let Some(learning) = learning {
                learning.add(&point);
            }
            if in_window {
                *last = Some(snapshot);
            }
        }
        _ => {}
    }
}
