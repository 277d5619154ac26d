use super::*;

/// A configuration from `--concurrency`, `--request-rate` and `--sweep-type` as the command line
/// writes them.
fn args(line: &str) -> BenchConfig {
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut config = BenchConfig::default();
    for pair in words.chunks(2) {
        match pair {
            ["--concurrency", value] => config.concurrency = Some(value.parse().unwrap()),
            ["--request-rate", value] => config.request_rate = Some(value.parse().unwrap()),
            ["--sweep-type", value] => config.sweep_type = value.parse().unwrap(),
            other => panic!("not a sweep flag: {other:?}"),
        }
    }
    config
}

fn labels(line: &str) -> Result<Vec<String>, String> {
    points(&args(line)).map(|p| p.into_iter().map(|p| p.label).collect()).map_err(|e| e.to_string())
}

#[test]
fn lists_make_points_by_grid_or_zip() {
    assert_eq!(labels("--concurrency 8").unwrap(), [""]);
    assert_eq!(labels("--concurrency 1,8,32").unwrap(), ["concurrency_1", "concurrency_8", "concurrency_32"]);
    assert_eq!(
        labels("--concurrency 1,2 --request-rate 5,10.5").unwrap(),
        [
            "concurrency_1__request_rate_5",
            "concurrency_1__request_rate_10.5",
            "concurrency_2__request_rate_5",
            "concurrency_2__request_rate_10.5"
        ]
    );
    assert_eq!(
        labels("--concurrency 1,2 --request-rate 5,10 --sweep-type zip").unwrap(),
        ["concurrency_1__request_rate_5", "concurrency_2__request_rate_10"]
    );
    assert_eq!(
        labels("--concurrency 4 --request-rate 5,10").unwrap(),
        ["request_rate_5", "request_rate_10"],
        "a single value is no dimension"
    );
    let error = labels("--concurrency 1,2,3 --request-rate 5,10 --sweep-type zip").unwrap_err();
    assert!(error.contains("--concurrency has 3 values, --request-rate 2"), "{error}");
}

#[test]
fn runs_are_laid_out_as_aiperf_lays_them_out() {
    let base = Path::new("out");
    let point = |label: &str| Point { label: label.to_owned(), values: Vec::new(), concurrency: None, request_rate: None, num_users: None };
    assert_eq!(run_dir(base, &point("concurrency_8"), 1, 1), Path::new("out/concurrency_8"));
    assert_eq!(run_dir(base, &point(""), 2, 3), Path::new("out/profile_runs/run_0002"));
    assert_eq!(run_dir(base, &point("concurrency_8"), 3, 3), Path::new("out/profile_runs/trial_0003/concurrency_8"));
}
