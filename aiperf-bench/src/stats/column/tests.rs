use super::*;

/// A column of `values` in a directory of its own (removed by [`remove`]).
fn column(name: &str, values: impl IntoIterator<Item = f64>) -> Column {
    let dir = std::env::temp_dir().join(format!("aiperf-column-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut column = Column::new(dir.join(name));
    for value in values {
        column.push(value).unwrap();
    }
    column
}

/// Removes a column's directory.
fn remove(column: &Column) {
    let _ = std::fs::remove_dir_all(column.path.parent().unwrap());
}

/// The summary sorted in memory and found by passes over the file are the same, to the bit.
fn both_ways(name: &str, values: Vec<f64>) -> Summary {
    let mut column = column(name, values);
    let sorted = column.summary(u64::MAX).unwrap().unwrap();
    let passes = column.summary(0).unwrap().unwrap();
    remove(&column);
    assert_eq!(sorted, passes, "{name}");
    sorted
}

#[test]
fn passes_over_the_file_find_what_sorting_finds() {
    let mut rng = fastrand::Rng::with_seed(5);
    // Spread over many magnitudes, negative ones and zeros included: splits and collections.
    let spread: Vec<f64> = (0..300_000).map(|_| (rng.f64() - 0.2) * 10f64.powi(rng.i32(-3..6))).collect();
    both_ways("spread", spread);
    // Latencies bunched within a few microseconds: ranges narrowed over several passes.
    let bunched: Vec<f64> = (0..200_000).map(|i| 100.0 + f64::from(i % 997) * 1e-6).collect();
    both_ways("bunched", bunched);
    // Every value the same: a range of one key at once.
    let same = both_ways("same", vec![42.0; 100_000]);
    assert_eq!((same.p1, same.p50, same.p99, same.std), (42.0, 42.0, 42.0, 0.0));
    // Few values.
    let few = both_ways("few", vec![3.0, 1.0, 2.0]);
    assert_eq!((few.p50, few.p25), (2.0, 1.5));
}

#[test]
fn values_that_are_not_finite_are_left_out_and_an_empty_column_has_no_summary() {
    let mut odd = column("odd", [1.0, f64::NAN, f64::INFINITY, 3.0]);
    let summary = odd.summary(IN_MEMORY).unwrap().unwrap();
    remove(&odd);
    assert_eq!((summary.count, summary.p50), (2, 2.0));
    let mut empty = column("empty", []);
    assert!(empty.summary(IN_MEMORY).unwrap().is_none());
    remove(&empty);
}

#[test]
fn the_columns_directory_goes_with_them() {
    let mut columns = Columns::new(2).unwrap();
    columns.push(1, 5.0);
    let dir = columns.dir.clone();
    assert!(dir.join("1.f64").exists());
    let summaries = columns.summaries().unwrap();
    assert_eq!((summaries[0], summaries[1].map(|s| s.avg)), (None, Some(5.0)));
    drop(columns);
    assert!(!dir.exists());
}

#[test]
fn keys_keep_the_order_of_values() {
    let values = [f64::MIN, -1.0, -0.0, 0.0, 1e-300, 1.0, f64::MAX];
    for pair in values.windows(2) {
        assert!(key(pair[0]) < key(pair[1]), "{pair:?}");
    }
    for v in values {
        assert_eq!(value(key(v)).to_bits(), v.to_bits());
    }
}

#[test]
fn error_adjusted_percentiles_are_numpys_nearest_with_failures_at_infinity() {
    // The worked example of AIPerf's adjusted rows: three latencies and one failure.
    let mut small = column("adjusted-small", [300.0, 100.0, 200.0]);
    let adjusted = small.adjusted(u64::MAX, 1).unwrap().unwrap();
    let inf = f64::INFINITY;
    assert_eq!(adjusted.percentiles, [100.0, 100.0, 100.0, 200.0, 300.0, 300.0, inf, inf, inf]);
    assert_eq!((adjusted.min, adjusted.count), (100.0, 4));
    // By passes over the file as by sorting; no failure: the values' own nearest ranks.
    let values: Vec<f64> = (0..10_001).map(|i| f64::from(i) / 10.0).collect();
    let mut long = column("adjusted-long", values);
    let (sorted, passes) = (long.adjusted(u64::MAX, 5).unwrap(), long.adjusted(0, 5).unwrap());
    assert_eq!(sorted, passes);
    assert_eq!(long.adjusted(u64::MAX, 0).unwrap().unwrap().percentiles[4], 500.0, "rank 5000 of 10001");
    remove(&small);
    remove(&long);
    let mut none = column("adjusted-none", []);
    assert_eq!(none.adjusted(u64::MAX, 3).unwrap(), None, "no row without a value");
    remove(&none);
}
