//! A metric's values, written to a file as records arrive (8 bytes a value, through a buffer) and
//! read back once at the end for its exact statistics ([`Column::summary`]): the run holds none of
//! them in memory, whatever its length.
//!
//! A column of at most [`IN_MEMORY`] values is read whole and sorted. A longer one (the gaps
//! between the chunks of a million long streams) is never held: each percentile's two ranks are
//! found by passes over the file, each pass counting the values of the ranges still in question
//! into buckets and keeping only the bucket that holds the rank, until a range holds a
//! single value or few enough to be sorted.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use super::{Moments, PERCENTILES, Summary, ranks};

/// The most values a column sorts in memory (2 MiB of them: a run of a million requests holds
/// little more than one of ten thousand).
pub const IN_MEMORY: u64 = 1 << 18;

/// Buckets a range is split into by a pass.
const BUCKETS: usize = 1 << 12;

/// The most values of one range that are collected and sorted instead of split again (the ranges
/// of 18 ranks hold at most 1.2 MiB).
const COLLECT: u64 = 1 << 13;

/// The run's columns, one per metric, in a directory of their own that goes with them.
#[derive(Debug)]
pub struct Columns {
    dir: PathBuf,
    columns: Vec<Column>,
    /// The first write that failed: the summaries report it.
    failed: Option<io::Error>,
}

impl Columns {
    /// `count` empty columns in a new directory under the system's temporary one.
    ///
    /// # Errors
    /// The directory cannot be created.
    pub fn new(count: usize) -> io::Result<Self> {
        let dir = private_dir(&std::env::temp_dir())?;
        let columns = (0..count).map(|index| Column::new(dir.join(format!("{index}.f64")))).collect();
        Ok(Self { dir, columns, failed: None })
    }

    /// Adds `value` to column `index` (a value that is not finite is no measurement: left out).
    pub fn push(&mut self, index: usize, value: f64) {
        if let Err(e) = self.columns[index].push(value)
            && self.failed.is_none()
        {
            self.failed = Some(e);
        }
    }

    /// Column `index`'s error-adjusted summary with `failures` (see [`Column::adjusted`]).
    ///
    /// # Errors
    /// The column could not be written or read back.
    pub fn adjusted(&mut self, index: usize, failures: u64) -> io::Result<Option<Adjusted>> {
        if let Some(e) = self.failed.take() {
            return Err(io::Error::new(e.kind(), format!("{}: {e}", self.dir.display())));
        }
        self.columns[index].adjusted(IN_MEMORY, failures)
    }

    /// The exact summary of every column, `None` for one without values.
    ///
    /// # Errors
    /// A write or read of a column failed (its path is in the message).
    pub fn summaries(&mut self) -> io::Result<Vec<Option<Summary>>> {
        if let Some(e) = self.failed.take() {
            return Err(io::Error::new(e.kind(), format!("{}: {e}", self.dir.display())));
        }
        self.columns.iter_mut().map(|column| column.summary(IN_MEMORY)).collect()
    }
}

/// A new directory of this process's alone under `parent`: a name nobody can guess, made anew
/// (never one that already exists), readable by its owner only.
fn private_dir(parent: &Path) -> io::Result<PathBuf> {
    use std::hash::{BuildHasher, Hasher};
    let mut last = None;
    for _ in 0..16 {
        let random = std::hash::RandomState::new().build_hasher().finish();
        let dir = parent.join(format!("aiperf-columns-{}-{random:016x}", std::process::id()));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        match builder.create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no directory for the columns")))
}

impl Drop for Columns {
    fn drop(&mut self) {
        self.columns.clear();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One metric's values on disk, and their moments.
#[derive(Debug)]
pub struct Column {
    path: PathBuf,
    /// Opened with the first value.
    writer: Option<BufWriter<File>>,
    moments: Moments,
}

impl Column {
    /// An empty column to be written at `path`.
    pub fn new(path: PathBuf) -> Self {
        Self { path, writer: None, moments: Moments::default() }
    }

    /// Adds `value` (left out when it is not finite).
    ///
    /// # Errors
    /// The file cannot be created or written.
    pub fn push(&mut self, value: f64) -> io::Result<()> {
        if !value.is_finite() {
            return Ok(());
        }
        self.moments.add(value);
        let writer = match &mut self.writer {
            Some(writer) => writer,
            None => self.writer.insert(BufWriter::with_capacity(1 << 16, File::create(&self.path)?)),
        };
        writer.write_all(&value.to_le_bytes())
    }

    /// The exact summary of the values, `None` without any: sorted in memory up to `in_memory`
    /// values, else by passes over the file.
    ///
    /// # Errors
    /// The file cannot be flushed or read back.
    pub fn summary(&mut self, in_memory: u64) -> io::Result<Option<Summary>> {
        let moments = self.moments;
        let wanted: Vec<u64> = PERCENTILES
            .iter()
            .flat_map(|&p| {
                let (low, high, _) = ranks(p, moments.count);
                [low, high]
            })
            .collect();
        let Some(found) = self.at_ranks(in_memory, &wanted)? else { return Ok(None) };
        Ok(Some(moments.summary(|rank| found[wanted.iter().position(|&w| w == rank).unwrap_or(0)])))
    }

    /// AIPerf's error-adjusted summary: the values with `failures` more at +inf (a failed request
    /// never answered), percentiles by numpy's `nearest` method; `None` without any value.
    ///
    /// # Errors
    /// The file cannot be flushed or read back.
    pub fn adjusted(&mut self, in_memory: u64, failures: u64) -> io::Result<Option<Adjusted>> {
        let (count, total) = (self.moments.count, self.moments.count + failures);
        let wanted = PERCENTILES.map(|p| nearest_rank(p, total));
        let within: Vec<u64> = wanted.iter().copied().filter(|&rank| rank < count).collect();
        let Some(found) = self.at_ranks(in_memory, &within)? else { return Ok(None) };
        // `wanted` ascends: the ranks within the values come first, in `found`'s order.
        let mut found = found.into_iter();
        let percentiles = wanted.map(|rank| if rank < count { found.next().unwrap_or(f64::INFINITY) } else { f64::INFINITY });
        Ok(Some(Adjusted { min: self.moments.min, percentiles, count: total }))
    }

    /// The values at `wanted` ranks (sorted order, 0-based, each below the count), in that order;
    /// `None` without any value.
    fn at_ranks(&mut self, in_memory: u64, wanted: &[u64]) -> io::Result<Option<Vec<f64>>> {
        let Some(writer) = &mut self.writer else { return Ok(None) };
        writer.flush()?;
        let moments = self.moments;
        let path = self.path.as_path();
        let error = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
        if moments.count > in_memory {
            return select(path, &moments, wanted).map(Some).map_err(error);
        }
        let mut values = Vec::with_capacity(moments.count as usize);
        read(path, |value| values.push(value)).map_err(error)?;
        if values.len() as u64 != moments.count {
            let reason = format!("holds {} values where {} were written", values.len(), moments.count);
            return Err(error(io::Error::new(io::ErrorKind::InvalidData, reason)));
        }
        values.sort_unstable_by(f64::total_cmp);
        Ok(Some(wanted.iter().map(|&rank| values[rank as usize]).collect()))
    }
}

/// The rank numpy's `nearest` percentile method takes for `p` of `count` values: the position
/// of `linear` rounded half to even.
fn nearest_rank(p: f64, count: u64) -> u64 {
    ((p / 100.0) * count.saturating_sub(1) as f64).round_ties_even() as u64
}

/// An error-adjusted summary ([`Column::adjusted`]): its mean, sum, maximum and the percentiles
/// that fall on a failure are +inf; it has no standard deviation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adjusted {
    /// The smallest value (a failure is never the smallest while any request succeeded).
    pub min: f64,
    /// `p1` to `p99`, as [`PERCENTILES`].
    pub percentiles: [f64; 9],
    /// Values and failures.
    pub count: u64,
}

/// Calls `each` with every value of the file at `path`, in order.
fn read(path: &Path, mut each: impl FnMut(f64)) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path)?);
    let mut block = vec![0u8; 1 << 20];
    let mut carried = 0;
    loop {
        let n = reader.read(&mut block[carried..])?;
        if n == 0 {
            return Ok(());
        }
        let filled = carried + n;
        let whole = filled - filled % 8;
        for bytes in block[..whole].chunks_exact(8) {
            each(f64::from_le_bytes(bytes.try_into().unwrap_or_default()));
        }
        block.copy_within(whole..filled, 0);
        carried = filled - whole;
    }
}

/// A value's place in `f64`'s total order, as an unsigned integer.
fn key(value: f64) -> u64 {
    let bits = value.to_bits();
    if bits >> 63 == 1 { !bits } else { bits | 1 << 63 }
}

/// The value of a [`key`].
fn value(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 { key & !(1 << 63) } else { !key })
}

/// Keys from `low` to `high` (inclusive) that may hold some wanted ranks, with how many values
/// lie below `low` and within the range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Range {
    low: u64,
    high: u64,
    below: u64,
    within: u64,
}

impl Range {
    /// `(key − low) >> shift` is a key's bucket: at most [`BUCKETS`] of them.
    fn shift(&self) -> u32 {
        let span = self.high - self.low;
        (64 - span.leading_zeros()).saturating_sub(BUCKETS.trailing_zeros())
    }
}

/// The values at `wanted` ranks of the file's values (sorted order, 0-based), in that order.
fn select(path: &Path, moments: &Moments, wanted: &[u64]) -> io::Result<Vec<f64>> {
    let mut found: Vec<Option<f64>> = vec![None; wanted.len()];
    let whole = Range { low: key(moments.min), high: key(moments.max), below: 0, within: moments.count };
    // The range each wanted rank is known to lie in.
    let mut of: Vec<Range> = vec![whole; wanted.len()];
    while found.iter().any(Option::is_none) {
        let mut ranges: Vec<Range> = (0..wanted.len()).filter(|&i| found[i].is_none()).map(|i| of[i]).collect();
        ranges.sort_unstable_by_key(|r| r.low);
        ranges.dedup();
        // A range of one key is its value; one of few values is collected; others are split.
        let mut counts: Vec<Vec<u64>> = ranges.iter().map(|r| if r.within > COLLECT { vec![0; BUCKETS] } else { Vec::new() }).collect();
        let mut collected: Vec<Vec<f64>> = vec![Vec::new(); ranges.len()];
        let single = ranges.iter().all(|r| r.low == r.high);
        if !single {
            read(path, |v| {
                let k = key(v);
                // Ranges are disjoint: the last one starting at or before the key.
                let at = ranges.partition_point(|r| r.low <= k);
                let Some(i) = at.checked_sub(1).filter(|&i| k <= ranges[i].high) else { return };
                let range = &ranges[i];
                if range.within > COLLECT {
                    counts[i][((k - range.low) >> range.shift()) as usize] += 1;
                } else {
                    collected[i].push(v);
                }
            })?;
        }
        for (i, range) in ranges.iter().enumerate() {
            collected[i].sort_unstable_by(f64::total_cmp);
            for (slot, &rank) in wanted.iter().enumerate() {
                if found[slot].is_some() || of[slot] != *range {
                    continue;
                }
                if range.low == range.high {
                    found[slot] = Some(value(range.low));
                } else if range.within <= COLLECT {
                    found[slot] = collected[i].get((rank - range.below) as usize).copied().or(Some(value(range.high)));
                } else {
                    of[slot] = narrowed(range, &counts[i], rank);
                }
            }
        }
    }
    Ok(found.into_iter().map(Option::unwrap_or_default).collect())
}

/// The bucket of `range` (its `counts`) that holds `rank`, as a range of its own.
fn narrowed(range: &Range, counts: &[u64], rank: u64) -> Range {
    let shift = range.shift();
    let mut below = range.below;
    for (bucket, &count) in counts.iter().enumerate() {
        if rank < below + count {
            let low = range.low + ((bucket as u64) << shift);
            let high = (low + ((1u64 << shift) - 1)).min(range.high);
            return Range { low, high, below, within: count };
        }
        below += count;
    }
    // Not reached (the counts add up to the range's values); the top of the range stands in.
    Range { low: range.high, high: range.high, below, within: 1 }
}

#[cfg(test)]
mod tests;
