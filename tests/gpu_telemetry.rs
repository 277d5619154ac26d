//! GPU telemetry (`--gpu-telemetry`): a DCGM exporter's page, served by the mock server from
//! what it did, sampled through the run into `gpu_telemetry_export.jsonl`, the run's
//! `telemetry_data` and the console's tables; the local GPUs through NVML on a machine that
//! may have none, which the run says and survives.

mod common;

use std::process::{Command, Output};
use std::time::Duration;

use common::{dir, json, ok};

fn profile(url: &str, extra: &[&str], out: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aiperf"))
        .args(["profile", "--url", url, "--model", "mock", "--streaming", "--concurrency", "4", "--request-count", "40"])
        .args(["--isl", "32", "--osl", "8", "--ui", "none", "--no-server-metrics", "--output-artifact-dir"])
        .arg(out)
        .args(extra)
        .env("AIPERF_GPU_COLLECTION_INTERVAL", "0.05")
        .output()
        .expect("aiperf runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dcgm_exporters_gpus_are_sampled_through_the_run() {
    let root = dir("gpu-telemetry", "dcgm");
    let server = common::mock_server(Duration::from_millis(20), 8, 2).await;
    let url = server.url();
    let dcgm = format!("{url}/dcgm/metrics");
    let out = root.join("run");
    let (u, d, o) = (url.clone(), dcgm.clone(), out.clone());
    let output = tokio::task::spawn_blocking(move || profile(&u, &["--gpu-telemetry", &d, "--auto-plot"], &o)).await.unwrap();
    server.shutdown().await;
    let printed = ok(&output);
    assert!(printed.contains("AIPerf | GPU Telemetry Summary"), "{printed}");
    let host = dcgm.trim_start_matches("http://").trim_end_matches("/metrics");
    assert!(printed.contains(&format!("{host} | GPU 0 | Mock GPU")), "{printed}");
    assert!(printed.contains("NVIDIA GPU Power Usage (W)"), "{printed}");
    assert!(printed.contains("localhost:9400 ✘"), "the usual endpoints are probed and said unreachable: {printed}");
    assert!(printed.contains("Energy per Output Token (mJ/token)"), "{printed}");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(out.join("gpu_telemetry_export.jsonl"))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert!(lines.len() >= 2, "{lines:?}");
    assert_eq!(lines[0]["gpu_uuid"], "GPU-00000000-0000-0000-0000-00000000mock");
    assert_eq!(lines[0]["telemetry_source_url"], dcgm.as_str());
    assert!(lines.iter().all(|line| line["telemetry_data"]["nvidia_power_usage"].as_f64().unwrap() >= 80.0));
    let summary = json(&out.join("profile_export_aiperf.json"));
    let gpu = &summary["telemetry_data"]["endpoints"][host]["gpus"]["gpu_0"];
    assert_eq!(gpu["gpu_name"], "Mock GPU");
    assert_eq!(gpu["metrics"]["nvidia_memory_used"]["avg"], 41.94304, "40,000 MiB in decimal GB");
    assert!(gpu["metrics"]["nvidia_energy_consumption"]["avg"].as_f64().unwrap() > 0.0, "energy used over the window");
    assert!(printed.contains("gpu_over_time.png"), "{printed}");
    assert!(std::fs::metadata(out.join("plots/gpu_over_time.png")).unwrap().len() > 10_000);
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn nvml_without_a_driver_is_said_and_the_run_goes_on() {
    let root = dir("gpu-telemetry", "nvml");
    let out = root.join("run");
    let output = Command::new(env!("CARGO_BIN_EXE_aiperf"))
        .args(["profile", "--request-count", "4", "--isl", "16", "--ui", "none", "--gpu-telemetry", "pynvml", "--output-artifact-dir"])
        .arg(&out)
        .output()
        .unwrap();
    let printed = ok(&output);
    // Whether this machine has a GPU or not, the run says what it read.
    assert!(printed.contains("NVML") || printed.contains("pynvml://localhost") || printed.contains("GPU 0"), "{printed}");
    assert!(out.join("gpu_telemetry_export.jsonl").exists());
    let error = Command::new(env!("CARGO_BIN_EXE_aiperf")).args(["profile", "--gpu-telemetry", "node1"]).output().unwrap();
    assert_eq!(error.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&error.stderr).contains("pynvml"), "{}", String::from_utf8_lossy(&error.stderr));
    std::fs::remove_dir_all(root).unwrap();
}
