//! Merging shards gives what one process over the union of their records gives.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::merge::fold;
use super::{Footer, Header, StateWriter, VERSION};
use crate::BenchConfig;
use crate::aggregate::Aggregate;
use crate::clock::WallClock;
use crate::metrics::Metric;
use crate::record::{Phase, RecordError, RequestRecord};
use crate::redact::Secrets;
use crate::stats::Summary;
use crate::timeline::Series;

/// Seeded requests over a second: streamed ones with chunks, and some failures.
fn records(zero: Instant, clock: WallClock, count: usize) -> Vec<RequestRecord> {
    let mut rng = fastrand::Rng::with_seed(11);
    (0..count)
        .map(|index| {
            let start = zero + Duration::from_micros(rng.u64(0..1_000_000));
            let mut record = RequestRecord::cancelled(index as u64, Phase::Profiling, index, 0, start, clock.at(start));
            let (ttft, chunks, gap) = (rng.f64() * 50.0 + 1.0, rng.usize(0..20), rng.f64() * 8.0);
            let latency = ttft + chunks as f64 * gap + rng.f64();
            record.ended = start + Duration::from_secs_f64(latency / 1e3);
            (record.start_ns, record.end_ns) = (clock.ns(start), clock.ns(record.ended));
            record.error = None;
            record.was_cancelled = false;
            let isl = f64::from(rng.u32(10..2000));
            for (metric, value) in [
                (Metric::TimeToFirstToken, ttft),
                (Metric::RequestLatency, latency),
                (Metric::InputSequenceLength, isl),
                (Metric::OutputSequenceLength, chunks as f64 + 1.0),
            ] {
                record.values[metric.index()] = Some(value);
            }
            record.inter_chunk = vec![gap; chunks];
            if index % 17 == 0 {
                record.error = Some(RecordError { code: Some(500), kind: "InternalServerError".into(), message: format!("boom {index}") });
                record.values[Metric::ErrorInputSequenceLength.index()] = Some(isl);
            }
            record
        })
        .collect()
}

/// A collector's step.
enum Step<'a> {
    Take(&'a RequestRecord),
    Advance(Instant),
}

/// How one collector takes `records`: in the order they end, the sweep moved every `batch` up to
/// the earliest start of those not yet taken (the requests still in flight).
fn collect<'a>(records: &[&'a RequestRecord], batch: usize, mut step: impl FnMut(Step<'a>)) {
    let mut by_end = records.to_vec();
    by_end.sort_by_key(|record| record.ended);
    for (taken, record) in by_end.iter().enumerate() {
        step(Step::Take(record));
        if (taken + 1) % batch == 0
            && let Some(earliest) = by_end[taken + 1..].iter().map(|record| record.started).min()
        {
            step(Step::Advance(earliest));
        }
    }
}

fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

/// Order statistics are equal; sums (and so means and deviations) equal but for the rounding
/// of adding the same values in another order.
fn same_summary(metric: Metric, a: Option<Summary>, b: Option<Summary>) {
    let (Some(a), Some(b)) = (a, b) else { return assert_eq!(a, b, "{metric:?}") };
    assert_eq!((a.count, a.min, a.max, a.p1, a.p50, a.p90, a.p99), (b.count, b.min, b.max, b.p1, b.p50, b.p90, b.p99), "{metric:?}");
    assert!(close(a.avg, b.avg) && close(a.sum, b.sum) && close(a.std, b.std), "{metric:?}: {a:?} {b:?}");
}

#[test]
fn merged_shards_give_the_statistics_of_one_process_over_all_records() {
    let clock = WallClock::now();
    let zero = Instant::now();
    let all = records(zero, clock, 600);
    let mut one = Aggregate::new(Vec::new(), zero).unwrap();
    collect(&all.iter().collect::<Vec<_>>(), 16, |step| match step {
        Step::Take(record) => one.add(record),
        Step::Advance(at) => one.timeline.advance(Some(at)),
    });
    let one_timeline = one.timeline.finish();
    one.finish().unwrap();

    let dir = std::env::temp_dir().join(format!("aiperf-state-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut paths: Vec<PathBuf> = Vec::new();
    for shard in 0..3 {
        let shard_dir = dir.join(format!("shard{shard}"));
        std::fs::create_dir_all(&shard_dir).unwrap();
        // Each shard started a little later than the first, and took every third request.
        let header = Header {
            version: VERSION,
            config: BenchConfig { random_seed: Some(shard), output_artifact_dir: shard_dir.clone(), ..BenchConfig::default() },
            command_line: "aiperf profile".into(),
            start_ns: clock.ns(zero) + shard * 1000,
            entries: 1,
            fixed_schedule: false,
        };
        let mine: Vec<&RequestRecord> = all.iter().skip(shard as usize).step_by(3).collect();
        let mut writer = StateWriter::create(&shard_dir, header, Secrets::default(), clock).unwrap();
        collect(&mine, 5, |step| match step {
            Step::Take(record) => writer.record(record).unwrap(),
            Step::Advance(at) => writer.watermark(at).unwrap(),
        });
        let end_ns = clock.ns(mine.iter().map(|record| record.ended).max().unwrap());
        writer.finish(Footer { end_ns, was_cancelled: false, stopped_early: false }).unwrap();
        paths.push(shard_dir);
    }
    let merged = fold(&paths).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    assert_eq!((merged.aggregate.completed, merged.aggregate.failed), (one.completed, one.failed));
    assert_eq!(merged.aggregate.errors().len(), one.errors().len());
    for metric in Metric::ALL {
        same_summary(metric, merged.aggregate.summary(metric), one.summary(metric));
    }
    assert_eq!(merged.timeline.len(), one_timeline.len());
    for (a, b) in merged.timeline.iter().zip(&one_timeline) {
        let (Series { key, summary: a, .. }, Series { summary: b, .. }) = (a, b);
        assert!(close(a.avg, b.avg) && close(a.std, b.std) && a.p50 == b.p50 && a.max == b.max && a.min == b.min, "{key}: {a:?} {b:?}");
    }
}

#[test]
fn a_shard_of_another_benchmark_or_an_unfinished_state_is_refused_with_its_file() {
    let dir = std::env::temp_dir().join(format!("aiperf-state-refused-{}", std::process::id()));
    let clock = WallClock::now();
    let write = |name: &str, config: BenchConfig, footer: bool| {
        let shard_dir = dir.join(name);
        std::fs::create_dir_all(&shard_dir).unwrap();
        let header = Header { version: VERSION, config, command_line: String::new(), start_ns: 1, entries: 1, fixed_schedule: false };
        let writer = StateWriter::create(&shard_dir, header, Secrets::default(), clock).unwrap();
        if footer {
            writer.finish(Footer { end_ns: 2, was_cancelled: false, stopped_early: false }).unwrap();
        }
        shard_dir
    };
    let a = write("a", BenchConfig::default(), true);
    let b = write("b", BenchConfig { isl: 7, ..BenchConfig::default() }, true);
    let cut = write("cut", BenchConfig::default(), false);
    let error = fold(&[a.clone(), b]).err().unwrap().to_string();
    assert!(error.contains("not a shard of the benchmark") && error.contains("/b/"), "{error}");
    let error = fold(&[a, cut]).err().unwrap().to_string();
    assert!(error.contains("cut") && error.contains("without its footer"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}
