use proptest::prelude::*;

use super::*;

/// A fixture captured from a real server (`tests/fixtures/SOURCES.md` says where each is from).
fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn find<'a>(families: &'a [Family], name: &str) -> &'a Family {
    families.iter().find(|family| family.name == name).unwrap_or_else(|| panic!("{name} missing"))
}

#[test]
fn a_vllm_page_gives_its_gauges_counters_and_histograms_by_aiperfs_names() {
    let families = parse(&fixture("vllm.prom")).unwrap();
    let running = find(&families, "vllm:num_requests_running");
    assert_eq!(running.kind, Kind::Gauge);
    assert_eq!(running.series[0].0["model_name"], "Qwen/Qwen3-4B-Instruct-2507-FP8");
    let prompt = find(&families, "vllm:prompt_tokens");
    assert_eq!(prompt.kind, Kind::Counter, "`_total` dropped from a counter's name");
    let ttft = find(&families, "vllm:time_to_first_token_seconds");
    assert_eq!(ttft.kind, Kind::Histogram);
    let Value::Histogram { buckets, count, .. } = &ttft.series[0].1 else { panic!("{ttft:?}") };
    assert_eq!(buckets.last().map(|b| b.0.as_str()), Some("+Inf"));
    assert_eq!(buckets.last().map(|b| b.1), Some(*count), "+Inf counts every observation");
    assert!(buckets.windows(2).all(|w| le(&w[0].0) < le(&w[1].0)), "ascending bounds");
    assert!(!ttft.series[0].0.contains_key("le"));
    assert!(families.iter().all(|family| !family.name.ends_with("_created")));
}

#[test]
fn every_real_page_reads() {
    for (file, family, kind) in [
        ("sglang.prom", "sglang:time_to_first_token_seconds", Kind::Histogram),
        ("tgi.prom", "tgi_request_count", Kind::Counter),
        ("nim.prom", "time_to_first_token_seconds", Kind::Histogram),
        ("llamacpp.prom", "llamacpp:prompt_tokens", Kind::Counter),
        ("dcgm-datadog.prom", "DCGM_FI_DEV_GPU_UTIL", Kind::Gauge),
        ("dynamo.prom", "dynamo_frontend_time_to_first_token_seconds", Kind::Histogram),
        ("dynamo.prom", "dynamo_frontend_requests", Kind::Counter),
        ("dynamo-worker.prom", "dynamo_component_requests", Kind::Counter),
        ("dynamo-worker.prom", "vllm:time_to_first_token_seconds", Kind::Histogram),
        // An excerpt: one histogram without its `+Inf` bucket and count.
        ("trtllm.prom", "e2e_request_latency_seconds", Kind::Histogram),
    ] {
        let families = parse(&fixture(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(find(&families, family).kind, kind, "{file}");
        assert!(find(&families, family).series.iter().all(|(_, value)| match value {
            Value::Scalar(v) => v.is_finite(),
            Value::Histogram { sum, count, .. } => sum.is_finite() && count.is_finite(),
        }));
    }
    // The old dcgm-exporter layout (every HELP and TYPE first, the samples after) still gives
    // its samples.
    let dcgm = parse(&fixture("dcgm.prom")).unwrap();
    assert!(dcgm.iter().any(|family| family.name == "DCGM_FI_DEV_GPU_UTIL" && !family.series.is_empty()), "{dcgm:?}");
}

#[test]
fn summaries_escapes_and_non_numbers_are_handled_as_aiperf_does() {
    let page = "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 2\ns_count 3\n# TYPE g gauge\ng{path=\"y\"} NaN\ng{path=\"x\"} 4\r\n";
    let families = parse(page).unwrap();
    assert!(families.iter().all(|family| family.name != "s"), "summaries left out");
    let gauge = find(&families, "g");
    assert_eq!(gauge.series.len(), 1, "NaN left out");
    assert_eq!(gauge.series[0], (Labels::from([("path".to_owned(), "x".to_owned())]), Value::Scalar(4.0)));
    let escaped = parse("# TYPE g gauge\ng{path=\"a\\\\b\\\"c\\nd\"} 1\n").unwrap();
    assert_eq!(escaped[0].series[0].0["path"], "a\\b\"c\nd");
    assert!(parse("{\"error\": \"not found\"}").unwrap_err().contains("not a Prometheus text page"));
    assert!(parse("<html><body>502 Bad Gateway</body></html>").is_err());
    assert_eq!(parse("").unwrap(), Vec::new());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    /// Whatever a server sends, reading it never panics: a real page cut or changed anywhere.
    #[test]
    fn any_page_reads_without_panicking(cut in 0usize..46_000, flip in 0usize..46_000, byte in any::<u8>()) {
        let mut page = fixture("vllm.prom").into_bytes();
        page.truncate(cut.min(page.len()));
        if let Some(at) = page.get_mut(flip) {
            *at = byte;
        }
        let _ = parse(&String::from_utf8_lossy(&page));
    }

    #[test]
    fn arbitrary_text_reads_without_panicking(text in ".{0,400}") {
        let _ = parse(&text);
    }
}
