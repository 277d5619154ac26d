//! Merging the states of a benchmark's shards into the exports one process would have written
//! over the union of their records. The shards' records are folded in the order of their
//! watermarks (always from the shard furthest behind), and the time-weighted metrics swept up to
//! the lowest watermark of the shards not yet read to their end, so memory stays bounded by the
//! records in flight at once, as in one process.

use std::fs::File;
use std::io::{BufRead, BufReader, Lines};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, UNIX_EPOCH};

use aiperf_core::{Factories, Settings};

use super::{Footer, Header, Line, STATE_FILE, VERSION};
use crate::aggregate::Aggregate;
use crate::config::{Config, Selections};
use crate::report::Report;
use crate::{BenchConfig, ProfileError, ProfileOutcome};

/// A state file's lines, numbered for errors.
struct StateLines {
    path: PathBuf,
    lines: Lines<BufReader<File>>,
    line: usize,
}

impl StateLines {
    /// The next line, none at the end of the file.
    fn next(&mut self) -> Result<Option<Line>, ProfileError> {
        let Some(text) = self.lines.next() else { return Ok(None) };
        self.line += 1;
        let text = text.map_err(|source| ProfileError::Io { path: self.path.display().to_string(), source })?;
        serde_json::from_str(&text).map(Some).map_err(|e| self.error(format!("not a run state line: {e}")))
    }

    fn error(&self, reason: String) -> ProfileError {
        ProfileError::InputFile { path: self.path.display().to_string(), line: self.line, reason }
    }
}

/// One shard's state file, its header read.
struct Shard {
    file: StateLines,
    header: Header,
    /// Every record still to read started at or after this (wall ns).
    watermark: u64,
    footer: Option<Footer>,
}

impl Shard {
    /// Opens a state file (or the one in an artifact directory) and reads its header.
    fn open(path: &Path) -> Result<Self, ProfileError> {
        let path = if path.is_dir() { path.join(STATE_FILE) } else { path.to_owned() };
        let opened = File::open(&path).map_err(|source| ProfileError::Io { path: path.display().to_string(), source })?;
        let mut file = StateLines { path, lines: BufReader::new(opened).lines(), line: 0 };
        let header = match file.next()? {
            Some(Line::Header(header)) if header.version == VERSION => *header,
            Some(Line::Header(header)) => {
                return Err(file.error(format!("state version {}; this build merges version {VERSION}", header.version)));
            }
            _ => {
                return Err(
                    file.error(format!("not a run state: its first line is no header (written by --export-run-state as {STATE_FILE})"))
                );
            }
        };
        Ok(Self { watermark: header.start_ns, file, header, footer: None })
    }
}

/// The shards' records folded into one aggregate, and what the report needs besides.
pub(super) struct Folded {
    /// The first shard's header (the benchmark's configuration and command line).
    pub header: Header,
    /// Every shard's records.
    pub aggregate: Aggregate,
    /// The time-weighted metrics over them.
    pub timeline: Vec<crate::timeline::Series>,
    /// The monotonic instant standing for `start_ns`.
    pub base: Instant,
    /// The earliest shard's profiling start, wall ns.
    pub start_ns: u64,
    /// The latest shard's profiling end, wall ns.
    pub end_ns: u64,
    /// A signal cut a shard short.
    pub was_cancelled: bool,
    /// The failure threshold stopped a shard.
    pub stopped_early: bool,
    /// Each state file, and the worker that wrote it (if it was one of several).
    pub found: Vec<(String, Option<crate::config::Shard>)>,
}

/// Folds the run states at `paths` (files, or artifact directories holding one), checking they
/// are shards of one benchmark: the same configuration but for their artifact directories and
/// seeds.
pub(super) fn fold(paths: &[PathBuf]) -> Result<Folded, ProfileError> {
    let mut shards = paths.iter().map(|path| Shard::open(path)).collect::<Result<Vec<_>, _>>()?;
    let Some(first) = shards.first() else {
        return Err(ProfileError::Flags { flag: "merge", reason: "needs at least one run state".to_owned() });
    };
    let same =
        |header: &Header| BenchConfig { output_artifact_dir: PathBuf::new(), random_seed: None, shard: None, ..header.config.clone() };
    if let Some(other) = shards.iter().find(|shard| same(&shard.header) != same(&first.header)) {
        let reason = format!(
            "{} is not a shard of the benchmark of {}: their configurations differ",
            other.file.path.display(),
            first.file.path.display()
        );
        return Err(ProfileError::Flags { flag: "merge", reason });
    }
    // Workers of one benchmark each prepared their share of its entries; shards run by hand are
    // each the whole benchmark.
    let workers = shards.iter().all(|shard| shard.header.config.shard.is_some());
    let entries = if workers { shards.iter().map(|shard| shard.header.entries).sum() } else { first.header.entries };
    let header = Header { config: BenchConfig { shard: None, ..first.header.config.clone() }, entries, ..first.header.clone() };
    let found = shards.iter().map(|shard| (shard.file.path.display().to_string(), shard.header.config.shard)).collect();
    let start_ns = shards.iter().map(|shard| shard.header.start_ns).min().unwrap_or(0);
    let base = Instant::now();
    let at = |ns: u64| base + Duration::from_nanos(ns.saturating_sub(start_ns));
    let slos = header.config.goodput.clone();
    let mut aggregate = Aggregate::new(slos, base).map_err(columns_error)?;
    // Always read on from the shard furthest behind, to its next watermark.
    while let Some(shard) = shards.iter_mut().filter(|shard| shard.footer.is_none()).min_by_key(|shard| shard.watermark) {
        loop {
            match shard.file.next()? {
                Some(Line::Record(line)) => aggregate.add(&line.record(base, start_ns).map_err(|reason| shard.file.error(reason))?),
                Some(Line::Watermark(ns)) => {
                    shard.watermark = shard.watermark.max(ns);
                    break;
                }
                Some(Line::Footer(footer)) => {
                    shard.footer = Some(footer);
                    break;
                }
                Some(Line::Header(_)) => return Err(shard.file.error("a second header".to_owned())),
                None => return Err(shard.file.error("ends without its footer: the run did not finish writing its state".to_owned())),
            }
        }
        let lowest = shards.iter().filter(|shard| shard.footer.is_none()).map(|shard| shard.watermark).min();
        aggregate.timeline.advance(lowest.map(at));
    }
    let footers: Vec<&Footer> = shards.iter().filter_map(|shard| shard.footer.as_ref()).collect();
    let end_ns = footers.iter().map(|footer| footer.end_ns).max().unwrap_or(start_ns);
    let timeline = aggregate.timeline.finish();
    aggregate.finish().map_err(columns_error)?;
    Ok(Folded {
        header,
        aggregate,
        timeline,
        base,
        start_ns,
        end_ns,
        was_cancelled: footers.iter().any(|footer| footer.was_cancelled),
        stopped_early: footers.iter().any(|footer| footer.stopped_early),
        found,
    })
}

fn columns_error(source: std::io::Error) -> ProfileError {
    ProfileError::Io { path: std::env::temp_dir().display().to_string(), source }
}

/// Merges the run states at `paths` (files, or artifact directories holding one) into exports in
/// `output`, over the build's table `F` as `selections` resolve its names (the endpoint's
/// metadata names the metrics). The shards must be one benchmark: the same configuration but
/// for their artifact directories, seeds and worker places. The exports are those of one process
/// over the union of the shards' records, `profile_export.jsonl` included (from the one beside
/// each state). When the shards are workers of several (`--workers`), the exports name the
/// workers merged and those whose states are missing, with the reasons `absent` knows.
///
/// # Errors
/// A file that cannot be read or is no run state (naming the file and line), shards of different
/// benchmarks, or exports that cannot be written.
pub fn merge<F: Factories>(
    paths: &[PathBuf],
    output: &Path,
    selections: &Selections<F>,
    absent: &[super::Absent],
) -> Result<ProfileOutcome, ProfileError> {
    let folded = fold(paths)?;
    let workers = super::Workers::of(&folded.found, absent)?;
    let config = BenchConfig { output_artifact_dir: output.to_owned(), ..folded.header.config.clone() };
    let config = Config::resolve::<F>(&config, Settings::default(), selections)?;
    let exporters = selections.exporters(&config.info)?;
    let wall = |ns: u64| UNIX_EPOCH + Duration::from_nanos(ns);
    std::fs::create_dir_all(output).map_err(|source| ProfileError::Io { path: output.display().to_string(), source })?;
    let report = Report {
        config: &config,
        tokenizer: &config.dataset.tokenizer,
        aggregate: &folded.aggregate,
        timeline: &folded.timeline,
        started: folded.base,
        ended: folded.base + Duration::from_nanos(folded.end_ns.saturating_sub(folded.start_ns)),
        start_wall: wall(folded.start_ns),
        end_wall: wall(folded.end_ns),
        was_cancelled: folded.was_cancelled,
        stopped_early: folded.stopped_early,
        cli_command: &folded.header.command_line,
        entries: folded.header.entries,
        fixed_schedule: folded.header.fixed_schedule,
        workers: workers.as_ref(),
        additions: &[],
        warmup: None,
    };
    let dirs: Vec<PathBuf> =
        paths.iter().map(|path| if path.is_dir() { path.clone() } else { path.parent().map(Path::to_owned).unwrap_or_default() }).collect();
    let without = super::records::merge(&dirs, output)?;
    let mut console = report.write(output, &exporters)?.console;
    for dir in without {
        console.push_str(&format!("No {} in {}: its records are in the statistics only\n", crate::export::JSONL_FILE, dir.display()));
    }
    Ok(ProfileOutcome {
        console,
        artifact_dir: output.to_owned(),
        cancelled_by: None,
        completed: folded.aggregate.completed,
        failed: folded.aggregate.failed,
        cancelled: folded.aggregate.cancelled,
        threshold_crossed: folded.stopped_early,
    })
}
