use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

use super::*;
use crate::exposition::{Family, Value as Sample};
use crate::scrape::Scraped;

fn labels(pairs: &[(&str, &str)]) -> crate::exposition::Labels {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// A page of a counter, a gauge and a histogram at `ns`.
fn page(ns: u64, requests: f64, running: f64, buckets: [f64; 2]) -> (Scraped, Value) {
    let model = labels(&[("model_name", "m")]);
    let families = vec![
        Family {
            name: "requests".into(),
            kind: Kind::Counter,
            help: "Requests.".into(),
            series: vec![(model.clone(), Sample::Scalar(requests))],
        },
        Family {
            name: "running".into(),
            kind: Kind::Gauge,
            help: "Running.".into(),
            series: vec![(labels(&[("gpu", "0")]), Sample::Scalar(running))],
        },
        Family {
            name: "ttft_seconds".into(),
            kind: Kind::Histogram,
            help: "TTFT.".into(),
            series: vec![(
                model,
                Sample::Histogram {
                    buckets: vec![("0.1".into(), buckets[0]), ("+Inf".into(), buckets[1])],
                    sum: buckets[1] * 0.05,
                    count: buckets[1],
                },
            )],
        },
    ];
    let line = json!({
        "endpoint_url": "http://h/metrics",
        "timestamp_ns": ns,
        "metrics": {
            "requests": [{ "labels": { "model_name": "m" }, "value": requests }],
            "running": [{ "labels": { "gpu": "0" }, "value": running }],
            "ttft_seconds": [{ "labels": { "model_name": "m" }, "buckets": { "0.1": buckets[0], "+Inf": buckets[1] }, "sum": buckets[1] * 0.05, "count": buckets[1] }],
        },
    });
    (Scraped { sent_ns: ns, first_byte_ns: ns, latency_ns: 1, text: format!("{ns}"), families }, line)
}

#[test]
fn rows_are_the_window_s_samples_as_increases_since_its_reference() {
    let dir = std::env::temp_dir().join(format!("aiperf-parquet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut endpoint = Endpoint::new("http://h/metrics".to_owned());
    let mut spill = Spill::create(&dir).unwrap();
    for (ns, requests, running, buckets, in_window) in
        [(1, 10.0, 0.0, [5.0, 10.0], false), (2, 14.0, 3.0, [8.0, 14.0], true), (3, 20.0, 1.0, [9.0, 20.0], true)]
    {
        let (scraped, mut line) = page(ns, requests, running, buckets);
        endpoint.add(&scraped, in_window);
        if in_window {
            line["benchmark_phase"] = json!("profiling");
        }
        spill.push(&line);
    }
    let summary = json!({ "benchmark_id": "b", "input_config": {} });
    let run = aiperf_bench::observe::RunExports { dir: &dir, summary: &summary, start_ns: 2, end_ns: 3 };
    let path = spill.finish(&[endpoint], &run).unwrap().expect("rows in the window");
    assert!(!dir.join(".server_metrics_pages.jsonl").exists(), "the pages kept are removed");
    let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
    let names: Vec<String> = reader.metadata().file_metadata().schema_descr().columns().iter().map(|c| c.name().to_owned()).collect();
    let expected = [&HEAD[..], &["gpu", "model_name"], &TAIL[..]].concat();
    assert_eq!(names, expected);
    let rows: Vec<parquet::record::Row> = reader.get_row_iter(None).unwrap().map(Result::unwrap).collect();
    // Two pages in the window: a counter row, a gauge row and two bucket rows each.
    assert_eq!(rows.len(), 8);
    let cell = |row: &parquet::record::Row, name: &str| row.get_column_iter().find(|(n, _)| *n == name).map(|(_, f)| f.clone()).unwrap();
    let of = |metric: &str| rows.iter().filter(|r| cell(r, "metric_name") == Field::Str(metric.into())).collect::<Vec<_>>();
    let values: Vec<Field> = of("requests").iter().map(|r| cell(r, "value")).collect();
    assert_eq!(values, [Field::Double(4.0), Field::Double(10.0)], "increases since the baseline's 10");
    assert_eq!(
        of("running").iter().map(|r| cell(r, "value")).collect::<Vec<_>>(),
        [Field::Double(3.0), Field::Double(1.0)],
        "gauges as read"
    );
    let last = of("ttft_seconds").into_iter().last().unwrap();
    assert_eq!((cell(last, "bucket_le"), cell(last, "bucket_count")), (Field::Str("+Inf".into()), Field::Double(10.0)));
    assert_eq!((cell(last, "count"), cell(last, "gpu")), (Field::Double(10.0), Field::Null));
    let metadata = reader.metadata().file_metadata().key_value_metadata().unwrap();
    let key = |k: &str| metadata.iter().find(|kv| kv.key == k).and_then(|kv| kv.value.clone());
    assert_eq!(key("aiperf.label_columns").as_deref(), Some(r#"["gpu","model_name"]"#));
    assert_eq!(key("aiperf.metric_type_counts").as_deref(), Some(r#"{"gauge":1,"counter":1,"histogram":1,"unknown":0}"#));
    std::fs::remove_dir_all(&dir).unwrap();
}
