//! `--export-http-trace`: each record of `profile_export.jsonl` carries its HTTP trace
//! (`trace_data`, AIPerf 0.13's keys), against the mock server on 127.0.0.1; without the flag,
//! none.

mod common;

use std::time::Duration;

use common::dir;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_record_carries_its_trace_in_order_and_in_agreement_with_its_metrics() {
    let server = common::mock_server(Duration::from_millis(2), 4, 1).await;
    let out = dir("http_trace", "on");
    common::profile_against(&server, &["--streaming", "--request-count", "4", "--export-http-trace"], &out).await;
    let records = common::records(&out);
    assert_eq!(records.len(), 4);
    for record in &records {
        let trace = &record["trace_data"];
        let at = |key: &str| trace[key].as_u64().unwrap_or_else(|| panic!("{key} in {trace}"));
        let order = [
            "request_send_start_ns",
            "request_send_end_ns",
            "response_headers_received_ns",
            "response_receive_start_ns",
            "response_receive_end_ns",
        ];
        assert!(order.windows(2).all(|pair| at(pair[0]) <= at(pair[1])), "{trace}");
        assert_eq!(at("duration_ns"), at("response_receive_end_ns") - at("request_send_start_ns"));
        assert_eq!((trace["response_status_code"].as_u64(), trace["request_chunks"].as_array().map(Vec::len)), (Some(200), Some(0)));
        let sent_kb = record["metrics"]["http_req_data_sent"]["value"].as_f64().unwrap();
        assert_eq!(at("request_bytes_total") as f64 / 1024.0, sent_kb, "the trace's bytes are the metric's");
        let keys: Vec<&String> = record.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["metadata", "metrics", "trace_data"], "AIPerf's place for it");
    }
    common::profile_against(&server, &["--streaming", "--request-count", "2"], &out).await;
    assert!(common::records(&out).iter().all(|r| r.get("trace_data").is_none()), "none without the flag");
    let refused = common::profile(&["--request-count", "1", "--export-http-trace", "--export-level", "summary"], &out);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--export-http-trace"), "nowhere to write it");
    server.shutdown().await;
    std::fs::remove_dir_all(out).unwrap();
}
