//! The estimator against AIPerf 0.13's own outputs (`tests/fixtures/estimator/vectors.json`, made
//! by running AIPerf's code through `make_vectors.py`), and the numpy conventions it follows.

use serde_json::Value;

use super::*;

const VECTORS: &str = include_str!("../../tests/fixtures/estimator/vectors.json");

/// A float the vectors hold as text (Python's repr), read back exactly.
fn float(value: &Value) -> f64 {
    value.as_str().expect("floats are written as strings").parse().expect("a float")
}

/// The relative difference, 0 when both are equal (zeros included).
fn relative_error(got: f64, expected: f64) -> f64 {
    if got == expected { 0.0 } else { (got - expected).abs() / got.abs().max(expected.abs()) }
}

/// A scrape as the vectors hold it: buckets, sum and count.
type Scrape = (Vec<(String, f64)>, f64, f64);

/// A case's scrapes.
fn scrapes(case: &Value) -> Vec<Scrape> {
    let scrapes = case["snapshots"].as_array().expect("snapshots");
    scrapes
        .iter()
        .map(|scrape| {
            let buckets = scrape["buckets"].as_array().expect("buckets");
            let buckets = buckets.iter().map(|b| (b[0].as_str().expect("le").to_owned(), float(&b[1]))).collect();
            (buckets, float(&scrape["sum"]), float(&scrape["count"]))
        })
        .collect()
}

#[test]
fn every_vector_matches_aiperf_within_1e_9_relative() {
    let vectors: Value = serde_json::from_str(VECTORS).expect("vectors.json");
    let percents: Vec<f64> = vectors["percents"].as_array().expect("percents").iter().map(|p| p.as_f64().expect("a percent")).collect();
    assert_eq!(percents, AIPERF_PERCENTS);
    let cases = vectors["cases"].as_array().expect("cases");
    assert!(cases.len() >= 8, "{} cases", cases.len());
    let mut worst = 0.0_f64;
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let owned = scrapes(case);
        let points: Vec<HistogramPoint<'_>> =
            owned.iter().map(|(buckets, sum, count)| HistogramPoint { buckets, sum: *sum, count: *count }).collect();
        let expected: Option<Vec<f64>> = case["expected"].as_array().map(|values| values.iter().map(float).collect());
        match (estimated_percentiles(&points, &AIPERF_PERCENTS), expected) {
            (None, None) => {}
            (Some(got), Some(expected)) => {
                assert_eq!(got.len(), expected.len(), "{name}");
                for ((got, expected), percent) in got.iter().zip(&expected).zip(AIPERF_PERCENTS) {
                    let error = relative_error(*got, *expected);
                    worst = worst.max(error);
                    assert!(error <= 1e-9, "{name} p{percent}: {got:?}, AIPerf {expected:?}");
                }
            }
            (got, expected) => panic!("{name}: {got:?}, AIPerf {expected:?}"),
        }
    }
    eprintln!("{} cases, worst relative error {worst:e}", cases.len());
}

#[test]
fn nothing_to_estimate_gives_none() {
    let buckets = vec![("1".to_owned(), 2.0), ("+Inf".to_owned(), 3.0)];
    let point = HistogramPoint { buckets: &buckets, sum: 4.0, count: 3.0 };
    assert_eq!(estimated_percentiles(&[], &AIPERF_PERCENTS), None);
    assert_eq!(estimated_percentiles(&[point], &AIPERF_PERCENTS), None);
    let later = vec![("1".to_owned(), 3.0), ("+Inf".to_owned(), 4.0)];
    let later = HistogramPoint { buckets: &later, sum: 4.5, count: 4.0 };
    assert!(estimated_percentiles(&[point, later], &AIPERF_PERCENTS).is_some());
    assert_eq!(estimated_percentiles(&[point, later], &[50.0, 100.5]), None);
    let only_overflow = vec![("+Inf".to_owned(), 3.0)];
    let only_overflow = [HistogramPoint { buckets: &only_overflow, ..point }, HistogramPoint { buckets: &later.buckets[1..], ..later }];
    assert_eq!(estimated_percentiles(&only_overflow, &AIPERF_PERCENTS), None);
}

#[test]
fn sums_linspace_percentile_and_var_follow_numpy() {
    // Expected values printed by numpy 2.4.
    let mut tenths = vec![0.1; 10];
    tenths.extend([1e-3; 7]);
    assert_eq!(numpy_sum(&tenths), 1.0070000000000001); // one by one: 1.0069999999999992
    assert_eq!(linspace(1.0, 2.3, 4), [1.0, 1.4333333333333333, 1.8666666666666667, 2.3]);
    assert_eq!(percentile(&[0.1, 0.2, 0.7], 1.0), 0.10200000000000001);
    assert_eq!(percentile(&[0.1, 0.2, 0.7], 75.0), 0.44999999999999996); // from the upper neighbour
    let learned = Learned { count: 4, weighted: 0.0, means: vec![0.1, 0.2, 0.4, 0.8] };
    assert_eq!(learned.variance(), Some(0.09583333333333334));
}
