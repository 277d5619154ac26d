//! The engine's summaries as the exporters' rows ([`aiperf_core::StatRow`]): a per-request
//! metric's statistics, an error-adjusted one's, a time-weighted one's.

use aiperf_core::StatRow;

use crate::aggregate::AdjustedSeries;
use crate::metrics::Metric;
use crate::stats::Summary;
use crate::timeline::WeightedSummary;

/// A per-request metric's row.
pub fn record_row(metric: Metric, s: &Summary) -> StatRow {
    let cells = [s.avg, s.min, s.max, s.sum, s.p1, s.p5, s.p10, s.p25, s.p50, s.p75, s.p90, s.p95, s.p99, s.std].map(Some);
    StatRow { key: metric.key(), title: metric.title(), unit: metric.unit(), cells, on_console: metric.on_console() }
}

/// An error-adjusted metric's row: infinite where a failure counts, no standard deviation.
pub fn adjusted_row(series: &AdjustedSeries) -> StatRow {
    let (s, inf) = (&series.summary, Some(f64::INFINITY));
    let [p1, p5, p10, p25, p50, p75, p90, p95, p99] = s.percentiles.map(Some);
    let cells = [inf, Some(s.min), inf, inf, p1, p5, p10, p25, p50, p75, p90, p95, p99, None];
    StatRow { key: series.key, title: series.title, unit: series.unit, cells, on_console: false }
}

/// A time-weighted metric's row: no sum, and only the percentiles AIPerf gives them.
pub fn weighted_row(key: &'static str, title: &'static str, unit: &'static str, s: &WeightedSummary) -> StatRow {
    let some = Some;
    let cells = [
        some(s.avg),
        some(s.min),
        some(s.max),
        None,
        None,
        None,
        None,
        None,
        some(s.p50),
        None,
        some(s.p90),
        some(s.p95),
        some(s.p99),
        some(s.std),
    ];
    StatRow { key, title, unit, cells, on_console: false }
}
