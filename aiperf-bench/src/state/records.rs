//! The merged `profile_export.jsonl`: the shards' record lines interleaved by when each request
//! ended (each shard's file is in that order already, as its collector took them), streamed
//! line by line, so memory holds one line per shard.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::ProfileError;
use crate::export::JSONL_FILE;

/// What the merge reads of a line: when its request ended.
#[derive(Deserialize)]
struct Line {
    metadata: Metadata,
}

#[derive(Deserialize)]
struct Metadata {
    request_end_ns: u64,
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
                let line: Line = serde_json::from_str(&text).map_err(|e| ProfileError::InputFile {
                    path: self.path.display().to_string(),
                    line: self.number,
                    reason: format!("not a record of {JSONL_FILE}: {e}"),
                })?;
                Some((line.metadata.request_end_ns, text))
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
