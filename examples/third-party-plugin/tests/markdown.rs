//! The Markdown exporter writes what it is given, as a table.

use acme_aiperf_plugin::{MARKDOWN_FILE, MarkdownExporter};
use aiperf_core::{Exporter, Results, StatRow, ValueRow};

#[test]
fn statistics_and_values_become_markdown_tables() {
    let dir = std::env::temp_dir().join(format!("acme-markdown-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cells = [None; 14];
    (cells[0], cells[8], cells[12]) = (Some(21.5), Some(20.0), Some(30.25));
    let stats = [StatRow { key: "time_to_first_token", title: "Time to First Token", unit: "ms", cells, on_console: true }];
    let values = [ValueRow { key: "request_throughput", title: "Request Throughput", unit: "requests/sec", value: 12.0, on_console: true }];
    let summary = serde_json::json!({});
    let results = Results { dir: &dir, summary: &summary, stats: &stats, values: &values, title: "aiperf | LLM Metrics", notes: "" };
    assert_eq!(MarkdownExporter.export(&results).unwrap(), "", "it prints nothing");
    let text = std::fs::read_to_string(dir.join(MARKDOWN_FILE)).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(text.starts_with("# aiperf | LLM Metrics\n"), "{text}");
    assert!(text.contains("| Time to First Token | ms | 21.50 | 20.00 | 30.25 |\n"), "{text}");
    assert!(text.contains("| Request Throughput | requests/sec | 12.00 |\n"), "{text}");
}
