use super::*;

fn env(name: &str) -> Option<String> {
    (name == "OPENAI_API_KEY").then(|| "sk-test".to_owned())
}

/// AIPerf 0.13's own example configuration, as its documentation shapes one.
const AIPERF_EXAMPLE: &str = r#"
schemaVersion: "2.0"
randomSeed: 42
benchmark:
  models:
    strategy: round_robin
    items:
      - name: meta-llama/Llama-3.1-8B-Instruct
  endpoint:
    urls: ["http://localhost:8000"]
    type: chat
    streaming: true
    apiKey: ${OPENAI_API_KEY}
    timeout: 600
    headers:
      X-Request-Source: aiperf
    extra:
      temperature: 0.0
      ignore_eos: true
  datasets:
    - name: main
      type: synthetic
      entries: 1000
      prompts:
        isl: {mean: 512, stddev: 32}
        osl: {mean: 128, stddev: 0}
  phases:
    - name: warmup
      type: concurrency
      requests: 20
      concurrency: 4
    - name: profiling
      type: poisson
      rate: 10.0
      concurrency: 32
      duration: 2m
      gracePeriod: 30
  slos:
    time_to_first_token: 500
  artifacts:
    dir: ./artifacts/example
"#;

#[test]
fn aiperf_s_schema_is_read_into_the_flags_it_stands_for() {
    let config = parse(AIPERF_EXAMPLE, &env).unwrap();
    assert_eq!(config.model, ["meta-llama/Llama-3.1-8B-Instruct"]);
    assert_eq!((config.url.as_deref(), config.endpoint_type.as_str(), config.streaming), (Some("http://localhost:8000"), "chat", true));
    assert_eq!((config.api_key.as_deref(), config.request_timeout_seconds), (Some("sk-test"), 600.0));
    assert_eq!(config.headers, ["X-Request-Source:aiperf"]);
    assert_eq!(config.extra_inputs, ["temperature:0.0", "ignore_eos:true"]);
    assert_eq!((config.num_dataset_entries, config.isl, config.isl_stddev, config.osl), (Some(1000), 512, 32.0, Some(128)));
    assert_eq!((config.warmup_request_count, config.warmup_concurrency), (Some(20), Some(4)));
    assert_eq!((config.request_rate.map(|r| r.0), config.concurrency.map(|c| c.0)), (Some(vec![10.0]), Some(vec![32])));
    assert_eq!((config.arrival_pattern.as_str(), config.benchmark_duration, config.benchmark_grace_period), ("poisson", Some(120.0), 30.0));
    assert_eq!((config.random_seed, config.goodput.len()), (Some(42), 1));
    assert_eq!(config.output_artifact_dir, std::path::Path::new("./artifacts/example"));
}

#[test]
fn an_older_file_s_body_at_the_top_and_the_shorthands_are_read() {
    let flat = "model: m\nendpoint: {url: 'http://h:1', type: completions}\ndataset: {type: file, path: t.jsonl, format: mooncake_trace}\nprofiling: {type: fixed_schedule, autoOffset: true}\n";
    let config = parse(flat, &env).unwrap();
    assert_eq!((config.model.as_slice(), config.endpoint_type.as_str()), (&["m".to_owned()][..], "completions"));
    assert_eq!(
        (config.input_file.as_deref(), config.custom_dataset_type.as_deref()),
        (Some(std::path::Path::new("t.jsonl")), Some("mooncake_trace"))
    );
    assert!(config.fixed_schedule && config.fixed_schedule_auto_offset);
    let users = "benchmark: {model: m, endpoint: {url: 'http://h:1'}, phases: {type: user_centric, rate: 4, users: 8, requests: 40}}";
    let config = parse(users, &env).unwrap();
    assert_eq!((config.user_centric_rate, config.num_users.map(|u| u.0), config.request_count), (Some(4.0), Some(vec![8]), Some(40)));
}

#[test]
fn what_aiperf_cannot_do_as_asked_is_refused_by_its_path() {
    let cases = [
        (
            "benchmark: {model: m, endpoint: {url: u, tiemout: 3}, phases: {type: concurrency}}",
            "benchmark.endpoint.tiemout",
            "did you mean 'timeout'",
        ),
        ("benchmark: {model: m, endpoint: {urls: [a, b]}, phases: {type: concurrency}}", "benchmark.endpoint.urls", "one URL"),
        ("benchmark: {model: m, endpoint: {url: u}, phases: [{name: profiling, type: poisson}]}", "benchmark.phases[0].rate", "required"),
        (
            "benchmark: {model: m, endpoint: {url: u}, datasets: [{type: synthetic, isl: 3}, {type: file}]}",
            "benchmark.datasets",
            "exactly one",
        ),
        (
            "benchmark: {model: m, endpoint: {url: u}, phases: [{name: p1, kind: profiling}, {name: p2, kind: profiling}]}",
            "benchmark.phases[1]",
            "one profiling phase",
        ),
        ("schemaVersion: 2.0\nbenchmark: {model: m}", "schema_version", "\"2.0\""),
        ("benchmark: {model: m, endpoint: {url: '{{ host }}'}, phases: {type: concurrency}}", "benchmark.endpoint.url", "Jinja"),
        ("benchmark: {model: m, endpoint: {url: u, apiKey: '${NOPE}'}, phases: {type: concurrency}}", "", "NOPE"),
        (
            "benchmark: {model: m, endpoint: {url: u}, phases: {type: concurrency}, serverMetrics: {enabled: false}}",
            "benchmark.server_metrics",
            "command line",
        ),
        ("a: 1\na: 2\n", "", "YAML"),
    ];
    for (text, at, said) in cases {
        let (where_, why) = parse(text, &env).unwrap_err();
        assert!(where_ == at && why.contains(said), "{text}: {where_}: {why}");
    }
}

#[test]
fn the_resolved_configuration_reads_back_into_the_same_run_without_its_secrets() {
    let mut config = parse(AIPERF_EXAMPLE, &env).unwrap();
    config.headers.push("Authorization:Bearer sk-hidden".to_owned());
    config.headers.push("Accept:application/json".to_owned());
    let text = resolved(&config);
    assert!(!text.contains("sk-test") && !text.contains("sk-hidden"), "{text}");
    assert!(text.contains("give them again with -H): X-Request-Source, Authorization"), "{text}");
    let back = parse(&text, &env).unwrap();
    let expected = BenchConfig { api_key: None, headers: vec!["Accept:application/json".to_owned()], ..config };
    assert_eq!(back, expected);
}
