use super::*;

const TRACE: &str = r#"{"timestamp": 0,    "input_length": 1200, "output_length": 50, "hash_ids": [0, 1, 2]}
{"timestamp": 1000, "input_length": 1100, "output_length": 30, "hash_ids": [0, 1, 3]}

{"timestamp": 2000, "input_length": 600,  "output_length": 20, "hash_ids": [4, 5]}
"#;

#[test]
fn a_three_row_trace_gives_aiperf_s_figures() {
    // The figures of AIPerf 0.13's analysis of these rows (its rules, numpy's arithmetic).
    let report = analyze(TRACE.as_bytes(), 512).unwrap();
    assert_eq!((report.total_requests, report.unique_prefixes, report.num_prefix_groups), (3, 6, 1));
    assert_eq!((report.cache_hit_rate, report.prefix_reuse_ratio), (0.2222222222222222, 0.5));
    assert_eq!((report.min_isl, report.max_isl, report.avg_isl), (600, 1200, 966.6666666666666));
    assert_eq!(report.avg_osl, 33.333333333333336);
    let isl = report.isl_stats.unwrap();
    assert_eq!((isl.std_dev, isl.p25, isl.median, isl.p75), (262.46692913372704, 850.0, 1100.0, 1150.0));
    let context = report.context_length_stats.unwrap();
    assert_eq!((context.mean, context.std_dev, context.p25, context.max), (682.6666666666666, 482.71822929001644, 512.0, 1024.0));
    let unique = report.unique_prompt_length_stats.unwrap();
    assert_eq!((unique.mean, unique.std_dev, unique.min, unique.p75), (284.0, 227.14459418323534, 76.0, 388.0));
    let hits = report.hit_rate_stats.unwrap();
    assert_eq!((hits.std_dev, hits.p75, hits.max), (0.31426968052735443, 0.3333333333333333, 0.6666666666666666));
    let osl = report.osl_stats.unwrap();
    assert_eq!(osl.std_dev, 12.472191289246473);
}

#[test]
fn rows_without_blocks_and_an_empty_trace_are_reported_not_refused() {
    let report = analyze(r#"{"input_length": 10, "output_length": 2}"#.as_bytes(), 512).unwrap();
    assert_eq!((report.cache_hit_rate, report.hit_rate_stats, report.unique_prefixes), (0.0, None, 0));
    assert_eq!(report.unique_prompt_length_stats, report.isl_stats, "no context: all of it unique");
    let empty = analyze("".as_bytes(), 512).unwrap();
    assert_eq!((empty.total_requests, empty.isl_stats, empty.avg_isl), (0, None, 0.0));
    let error = analyze("{\"input_length\": 1}\nnot json\n".as_bytes(), 512).unwrap_err();
    assert!(error.starts_with("line 2:"), "{error}");
}

#[test]
fn the_json_has_aiperf_s_keys_in_its_order() {
    let report = analyze(TRACE.as_bytes(), 512).unwrap();
    let text = serde_json::to_string(&report).unwrap();
    let keys: Vec<&str> = text.split(",\"").filter_map(|part| part.split('"').nth(usize::from(part.starts_with('{')))).take(5).collect();
    assert_eq!(keys, ["total_requests", "unique_prefixes", "num_prefix_groups", "cache_hit_rate", "min_isl"]);
}

#[test]
fn a_real_mooncake_trace_is_analyzed_as_aiperf_s_own_analysis_does() {
    // AIPerf 0.13.0's PrefixAnalyzer run on 400 rows of Mooncake's published trace
    // (tests/data/traces/SOURCES.md): the reports must be equal, value for value.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/traces");
    for (block_size, expected) in [(512, "mooncake_synthetic_400.aiperf.json"), (16, "mooncake_synthetic_400.block16.aiperf.json")] {
        let trace = std::fs::File::open(dir.join("mooncake_synthetic_400.jsonl")).unwrap();
        let ours = serde_json::to_value(analyze(std::io::BufReader::new(trace), block_size).unwrap()).unwrap();
        let aiperf: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join(expected)).unwrap()).unwrap();
        let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&ours), keys(&aiperf), "AIPerf's keys in its order");
        assert_eq!(ours, aiperf, "block size {block_size}");
    }
}
