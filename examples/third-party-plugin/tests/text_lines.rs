//! The text-lines loader: one prompt per non-blank line, each numbered by its line.

use acme_aiperf_plugin::TextLinesLoader;
use aiperf_core::{DatasetLoader, Payload};

#[test]
fn each_non_blank_line_is_a_prompt_with_its_line_number() {
    let path = std::env::temp_dir().join(format!("acme-text-lines-{}.txt", std::process::id()));
    std::fs::write(&path, "first prompt\n\n  second prompt  \n").unwrap();
    let requests = TextLinesLoader.load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let read: Vec<(Payload, u32)> = requests.into_iter().map(|r| (r.payload, r.line)).collect();
    assert_eq!(read, [(Payload::Prompt("first prompt".into()), 1), (Payload::Prompt("second prompt".into()), 3)]);
    let error = TextLinesLoader.load(std::path::Path::new("/nonexistent/prompts.txt")).unwrap_err();
    assert_eq!(error.line, 0, "{error}");
}
