use aiperf_bench::config::List;

use super::*;

fn options() -> ManifestOptions {
    ManifestOptions {
        name: "bench-a".to_owned(),
        namespace: Some("perf".to_owned()),
        image: DEFAULT_IMAGE.to_owned(),
        workers: 4,
        results: "s3://bucket/runs/a".to_owned(),
        barrier_timeout: 300.0,
        api_key_secret: Some("server-key".to_owned()),
        results_secret: Some("store-creds".to_owned()),
        service_account: None,
        resources: Resources { cpu: 1.5, memory_mib: 512 },
    }
}

fn benchmark() -> BenchConfig {
    BenchConfig {
        url: Some("http://vllm.perf.svc:8000".to_owned()),
        model: vec!["llama".to_owned()],
        concurrency: Some(List(vec![64])),
        request_count: Some(1000),
        ..BenchConfig::default()
    }
}

#[test]
fn the_job_is_indexed_and_runs_every_worker_from_the_config_map() {
    let yaml = manifest(&benchmark(), &options()).unwrap();
    for expected in [
        "kind: ConfigMap",
        "kind: Job",
        "completionMode: Indexed",
        "completions: 4",
        "parallelism: 4",
        "backoffLimitPerIndex: 0",
        "/etc/aiperf/benchmark.json",
        "s3://bucket/runs/a",
        "name: server-key",
        "name: store-creds",
        "runAsNonRoot: true",
        "cpu: 1500m",
        "memory: 512Mi",
        "namespace: perf",
    ] {
        assert!(yaml.contains(expected), "{expected} missing from\n{yaml}");
    }
    let config_start = yaml.find("benchmark.json:").unwrap();
    assert!(yaml[config_start..].contains("random_seed"), "the seed every worker derives its own from is fixed");
}

#[test]
fn secrets_and_local_files_are_refused_by_their_flag() {
    let keyed = BenchConfig { api_key: Some("sk-secret".to_owned()), ..benchmark() };
    let error = manifest(&keyed, &options()).unwrap_err().to_string();
    assert!(error.contains("--api-key") && !error.contains("sk-secret"), "{error}");
    let header = BenchConfig { headers: vec!["Authorization: Bearer sk-secret".to_owned()], ..benchmark() };
    assert!(manifest(&header, &options()).unwrap_err().to_string().contains("-H"));
    let tokenizer = BenchConfig { tokenizer: "/home/me/tokenizer.json".to_owned(), ..benchmark() };
    assert!(manifest(&tokenizer, &options()).unwrap_err().to_string().contains("--tokenizer"));
    let named = ManifestOptions { name: "Bench_A".to_owned(), ..options() };
    assert!(manifest(&benchmark(), &named).unwrap_err().to_string().contains("--name"));
}

#[test]
fn resources_grow_with_each_workers_share_of_the_load() {
    let small = Resources::for_load(&benchmark(), 4);
    let big = Resources::for_load(&BenchConfig { concurrency: Some(List(vec![4096])), request_count: Some(1_000_000), ..benchmark() }, 4);
    assert!(big.cpu >= small.cpu && big.memory_mib > small.memory_mib, "{small:?} {big:?}");
    let fast = Resources::for_load(&BenchConfig { request_rate: Some(List(vec![40_000.0])), ..benchmark() }, 4);
    assert!(fast.cpu > small.cpu, "a rate needs CPU: {small:?} {fast:?}");
    let spread =
        Resources::for_load(&BenchConfig { concurrency: Some(List(vec![4096])), request_count: Some(1_000_000), ..benchmark() }, 16);
    assert!(spread.memory_mib < big.memory_mib, "more workers, less each");
}
