//! The merged `profile_export.jsonl`: the shards' record lines interleaved by when each request
//! ended (each shard's file is in that order already, as its collector took them), streamed
//! line by line, so memory holds one line per shard.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::ProfileError;
use crate::export::JSONL_FILE;

/// The one key the merge reads of a line (found by its bytes: a line is kilobytes of metrics,
/// and a long run's records are gigabytes).
const END_KEY: &str = "\"request_end_ns\":";

/// When a line's request ended.
fn end_ns(line: &str) -> Option<u64> {
    let at = line.find(END_KEY)? + END_KEY.len();
    let digits = line[at..].trim_start();
    let end = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
    digits[..end].parse().ok()
}

/// One shard's records file, its next line read.
struct Records {
    path: PathBuf,
    lines: std::io::Lines<BufReader<File>>,
    number: usize,
    next: Option<(u64, String)>,
}

impl Records {
    fn advance(&mut self) -> Result<(), ProfileError> {
        self.next = match self.lines.next() {
            None => None,
            Some(text) => {
                self.number += 1;
                let text = text.map_err(|source| ProfileError::Io { path: self.path.display().to_string(), source })?;
                let end = end_ns(&text).ok_or_else(|| ProfileError::InputFile {
                    path: self.path.display().to_string(),
                    line: self.number,
                    reason: format!("not a record of {JSONL_FILE}: no {END_KEY} number"),
                })?;
                Some((end, text))
            }
        };
        Ok(())
    }
}

/// Writes `output`'s `profile_export.jsonl` from those of the shard directories `dirs`; returns
/// the directories that had none (their records are only in the statistics).
///
/// # Errors
/// A file that cannot be read or written, or a line that is no record (naming file and line).
pub(super) fn merge(dirs: &[PathBuf], output: &Path) -> Result<Vec<PathBuf>, ProfileError> {
    let mut files = Vec::with_capacity(dirs.len());
    let mut without = Vec::new();
    for dir in dirs {
        let path = dir.join(JSONL_FILE);
        match File::open(&path) {
            Ok(file) => {
                let mut records = Records { path, lines: BufReader::new(file).lines(), number: 0, next: None };
                records.advance()?;
                files.push(records);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => without.push(dir.clone()),
            Err(source) => return Err(ProfileError::Io { path: path.display().to_string(), source }),
        }
    }
    let path = output.join(JSONL_FILE);
    let io = |source| ProfileError::Io { path: path.display().to_string(), source };
    let mut out = BufWriter::with_capacity(1 << 16, File::create(&path).map_err(io)?);
    while let Some(earliest) =
        files.iter_mut().filter(|records| records.next.is_some()).min_by_key(|records| records.next.as_ref().map(|n| n.0))
    {
        if let Some((_, text)) = earliest.next.take() {
            out.write_all(text.as_bytes()).and_then(|()| out.write_all(b"\n")).map_err(io)?;
        }
        earliest.advance()?;
    }
    out.flush().map_err(io)?;
    Ok(without)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_lines_end_is_read_by_its_key() {
        assert_eq!(
            super::end_ns(r#"{"metadata":{"request_start_ns":5,"request_end_ns": 1796669682635670124,"worker_id":"w"}}"#),
            Some(1796669682635670124)
        );
        assert_eq!(super::end_ns(r#"{"metadata":{"request_start_ns":5}}"#), None);
    }
}
