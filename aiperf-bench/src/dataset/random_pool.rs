//! `random_pool`, in AIPerf 0.13's schema: a JSONL file is one pool of entries (`text` or
//! `texts`); a directory is one pool per file, named after the file (`queries.jsonl` →
//! `queries`). `--conversation-num` requests are drawn, with replacement, from every pool at once
//! (seeded); request `i` joins the `i`-th draw of each pool. Two pools named for a query and its
//! passages (`query`/`queries`, `passage`/`passages`) make a ranking request.

use std::path::{Path, PathBuf};

use aiperf_core::{InputKind, Payload};

use super::single_turn::{Line, turn};
use super::{LoadOptions, file_error};
use crate::ProfileError;
use crate::inputs::{Entry, payload_tokens, shaped};
use crate::tokenizer::Tokenizer;

/// One pool: its name (the file's stem) and the texts of each entry.
struct Pool {
    name: String,
    entries: Vec<Vec<String>>,
}

/// Reads the pool file, or every file of the directory, and draws `options.count` entries.
///
/// # Errors
/// [`ProfileError::InputFile`] naming the file, line and field at fault, or an empty pool.
pub(super) fn load(path: &Path, options: &LoadOptions<'_>) -> Result<Vec<Entry>, ProfileError> {
    let files = files(path)?;
    let pools = files.iter().map(|file| pool(file, options.tokenizer)).collect::<Result<Vec<_>, _>>()?;
    let mut rng = fastrand::Rng::with_seed(options.seed ^ 0x706f_6f6c);
    // Every pool is drawn from in turn, as AIPerf draws `count` samples of each pool.
    let draws: Vec<Vec<usize>> = pools.iter().map(|p| (0..options.conversations).map(|_| rng.usize(..p.entries.len())).collect()).collect();
    Ok((0..options.conversations)
        .map(|i| {
            let picked: Vec<(&str, &[String])> = pools.iter().zip(&draws).map(|(p, d)| (p.name.as_str(), &p.entries[d[i]][..])).collect();
            let payload = merged(&picked, options.input);
            let input_tokens = payload_tokens(&payload, options.tokenizer);
            Entry { payload, max_tokens: options.default_max_tokens, input_tokens, line: 0, timestamp_ms: None }
        })
        .collect())
}

/// The pool files: `path` itself, or the directory's visible files in name order.
fn files(path: &Path) -> Result<Vec<PathBuf>, ProfileError> {
    if !path.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let entries = std::fs::read_dir(path).map_err(|e| file_error(path, 0, e.to_string()))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| file_error(path, 0, e.to_string()))?;
        let visible = !entry.file_name().to_string_lossy().starts_with('.');
        if visible && entry.file_type().is_ok_and(|t| t.is_file()) {
            files.push(entry.path());
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(file_error(path, 0, "the directory holds no pool files (one JSONL file per pool)".to_owned()));
    }
    Ok(files)
}

/// One pool file's entries.
fn pool(path: &Path, tokenizer: &Tokenizer) -> Result<Pool, ProfileError> {
    let mut entries = Vec::new();
    for line in super::jsonl_lines(path)? {
        let (number, line) = line?;
        if line.trim().is_empty() {
            continue;
        }
        entries.push(texts(&line, tokenizer).map_err(|reason| file_error(path, number, reason))?);
    }
    if entries.is_empty() {
        return Err(file_error(path, 0, "the pool holds no entries".to_owned()));
    }
    let name = path.file_stem().map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    Ok(Pool { name, entries })
}

/// One entry's texts: `text` or `texts`, nothing that times or groups a request.
fn texts(line: &str, tokenizer: &Tokenizer) -> Result<Vec<String>, String> {
    let parsed: Line =
        serde_json::from_str(line).map_err(|e| format!("{e}; expected a JSON object with `text` or `texts` (random_pool)"))?;
    let (entry, session) = turn(parsed, tokenizer, None)?;
    if session.session_id.is_some() || session.delay_ms.is_some() || entry.timestamp_ms.is_some() {
        return Err("a pool entry is drawn at random: `session_id`, `delay` and `timestamp` do not apply; drop them".to_owned());
    }
    match entry.payload {
        Payload::Prompt(text) => Ok(vec![text]),
        Payload::Texts(texts) => Ok(texts),
        _ => Err("expected `text` or `texts` (random_pool entries carry text only)".to_owned()),
    }
}

/// The request joining one draw of every pool: a ranking when the pools are a query and its
/// passages, else the texts in pool order, shaped for the endpoint.
fn merged(picked: &[(&str, &[String])], input: InputKind) -> Payload {
    let named = |names: [&str; 2]| picked.iter().find(|(name, _)| names.contains(name)).map(|(_, texts)| *texts);
    if let ([_, _], Some(query), Some(passages)) = (picked, named(["query", "queries"]), named(["passage", "passages"])) {
        return Payload::Ranking { query: query.join("\n"), passages: passages.to_vec() };
    }
    let texts: Vec<String> = picked.iter().flat_map(|(_, texts)| texts.iter().cloned()).collect();
    match (input, texts.len()) {
        (InputKind::Texts, _) => Payload::Texts(texts),
        (_, 1) => shaped(input, texts.into_iter().next().unwrap_or_default()),
        _ => shaped(input, texts.join("\n")),
    }
}
