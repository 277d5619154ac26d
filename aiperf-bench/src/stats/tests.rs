use super::*;

/// numpy's `percentile(values, p)` (linear), written plainly.
fn numpy(sorted: &[f64], p: f64) -> f64 {
    let position = (p / 100.0) * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    interpolate(sorted[low], sorted[high], position - low as f64)
}

#[test]
fn percentiles_interpolate_between_ranks_as_numpy_does() {
    let mut moments = Moments::default();
    let values: Vec<f64> = (1..=10).map(f64::from).collect();
    values.iter().for_each(|&v| moments.add(v));
    let s = moments.summary(|rank| values[rank as usize]);
    // np.percentile(range(1, 11), [50, 99, 1]) and np.std.
    assert_eq!((s.p50, s.p99, s.p1), (5.5, 9.91, 1.09));
    assert_eq!((s.avg, s.min, s.max, s.sum, s.count), (5.5, 1.0, 10.0, 55.0, 10));
    assert!((s.std - 8.25f64.sqrt()).abs() < 1e-12, "{}", s.std);
}

#[test]
fn values_all_zero_give_zero_everywhere() {
    // HDR histograms gave p50 = 0.031 for these.
    let mut moments = Moments::default();
    (0..1000).for_each(|_| moments.add(0.0));
    let s = moments.summary(|_| 0.0);
    assert_eq!(s, Summary { count: 1000, ..Summary::default() });
}

#[test]
fn one_value_is_every_percentile() {
    let mut moments = Moments::default();
    moments.add(-3.5);
    let s = moments.summary(|rank| {
        assert_eq!(rank, 0);
        -3.5
    });
    assert_eq!((s.p1, s.p50, s.p99, s.min, s.max, s.std), (-3.5, -3.5, -3.5, -3.5, -3.5, 0.0));
}

#[test]
fn numpy_reference_agrees_on_random_data() {
    let mut rng = fastrand::Rng::with_seed(9);
    for n in [2, 3, 7, 100, 1001] {
        let mut values: Vec<f64> = (0..n).map(|_| rng.f64() * 1000.0 - 200.0).collect();
        let mut moments = Moments::default();
        values.iter().for_each(|&v| moments.add(v));
        values.sort_unstable_by(f64::total_cmp);
        let s = moments.summary(|rank| values[rank as usize]);
        let got = [s.p1, s.p5, s.p10, s.p25, s.p50, s.p75, s.p90, s.p95, s.p99];
        for (p, got) in PERCENTILES.iter().zip(got) {
            assert_eq!(got, numpy(&values, *p), "n {n} p{p}");
        }
    }
}
