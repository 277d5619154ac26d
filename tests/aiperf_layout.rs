//! The CSV export against AIPerf 0.13.0's own files (`tests/data/aiperf-0.13/`, written by AIPerf
//! with the same flags; its README says how): the same rows in the same order, with the same
//! labels and columns, so the two files diff row by row. Values differ (other servers, other
//! runs) and are not compared.

mod common;

use std::time::Duration;

/// The first cell of every line of a CSV text, its line ends as written.
fn first_cells(csv: &str) -> Vec<String> {
    csv.split_inclusive('\n').map(|line| line.split(',').next().unwrap_or_default().trim_end_matches(['\r', '\n']).to_owned()).collect()
}

/// AIPerf's file `name`, without its GPU telemetry table (aiperf has no GPU telemetry).
fn aiperf_rows(name: &str) -> (String, Vec<String>) {
    let path = format!("{}/tests/data/aiperf-0.13/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.split("\r\n\r\n\r\nEndpoint,GPU_Index").next().unwrap().to_owned();
    let rows = first_cells(&text);
    (text, rows)
}

async fn ours(streaming: bool) -> String {
    let server = common::mock_server(Duration::from_millis(2), 16, 1).await;
    let out = common::dir("layout", if streaming { "streaming" } else { "whole" });
    let mut args = vec!["--endpoint-type", "chat", "--concurrency", "8", "--request-count", "40", "--isl", "128", "--osl", "16"];
    if streaming {
        args.push("--streaming");
    }
    common::profile_against(&server, &args, &out).await;
    let csv = std::fs::read_to_string(out.join("profile_export_aiperf.csv")).unwrap();
    std::fs::remove_dir_all(&out).unwrap();
    csv
}

async fn same_rows(streaming: bool, name: &str) {
    let (theirs, expected) = aiperf_rows(name);
    let csv = ours(streaming).await;
    assert_eq!(first_cells(&csv), expected, "{name}: ours\n{csv}\ntheirs\n{theirs}");
    // The header rows and the line ends are AIPerf's.
    let header = |text: &str| text.lines().next().unwrap_or_default().to_owned();
    assert_eq!(header(&csv), header(&theirs));
    assert!(csv.contains("\r\n\r\nMetric,Value\r\n") && theirs.contains("\r\n\r\nMetric,Value\r\n"));
    assert_eq!(csv.matches("\r\n").count(), csv.matches('\n').count(), "every line ends in CRLF");
    // Each row has AIPerf's empty cells: the time-weighted rows have no sum and no p1–p25, p75.
    for (ours, theirs) in csv.lines().zip(theirs.lines()) {
        let empty = |line: &str| line.split(',').map(str::is_empty).collect::<Vec<_>>();
        assert_eq!(empty(ours), empty(theirs), "{ours}\n{theirs}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streaming_chat_run_writes_aiperf_s_rows() {
    same_rows(true, "streaming-chat.csv").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_streaming_chat_run_writes_aiperf_s_rows() {
    same_rows(false, "non-streaming-chat.csv").await;
}
