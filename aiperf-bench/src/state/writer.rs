//! Writing a run's state as the collector folds its records (see the module above).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::{Footer, Header, Line, RecordLine, STATE_FILE};
use crate::ProfileError;
use crate::clock::WallClock;
use crate::record::RequestRecord;
use crate::redact::Secrets;

/// The state file of a run being collected.
pub(crate) struct StateWriter {
    path: PathBuf,
    file: BufWriter<File>,
    secrets: Secrets,
    clock: WallClock,
}

impl StateWriter {
    /// Creates `dir`'s state file and writes its header; every line is scrubbed of `secrets`, and
    /// instants become wall-clock times through `clock`.
    ///
    /// # Errors
    /// [`ProfileError::Io`] naming the file.
    pub(crate) fn create(dir: &Path, header: Header, secrets: Secrets, clock: WallClock) -> Result<Self, ProfileError> {
        let path = dir.join(STATE_FILE);
        let file = File::create(&path).map_err(|source| ProfileError::Io { path: path.display().to_string(), source })?;
        let mut writer = Self { path, file: BufWriter::with_capacity(1 << 16, file), secrets, clock };
        writer.line(&Line::Header(Box::new(header)))?;
        Ok(writer)
    }

    /// Appends a profiled record.
    ///
    /// # Errors
    /// [`ProfileError::Io`] naming the file.
    pub(crate) fn record(&mut self, record: &RequestRecord) -> Result<(), ProfileError> {
        self.line(&Line::Record(RecordLine::of(record)))
    }

    /// Says that every record after this line started at `watermark` or later.
    ///
    /// # Errors
    /// [`ProfileError::Io`] naming the file.
    pub(crate) fn watermark(&mut self, watermark: Instant) -> Result<(), ProfileError> {
        self.line(&Line::Watermark(self.clock.ns(watermark)))
    }

    /// Ends the file with `footer` and writes it out.
    ///
    /// # Errors
    /// [`ProfileError::Io`] naming the file.
    pub(crate) fn finish(mut self, footer: Footer) -> Result<(), ProfileError> {
        self.line(&Line::Footer(footer))?;
        self.file.flush().map_err(|source| ProfileError::Io { path: self.path.display().to_string(), source })
    }

    fn line(&mut self, line: &Line) -> Result<(), ProfileError> {
        let io = |source| ProfileError::Io { path: self.path.display().to_string(), source };
        let text = serde_json::to_string(line).map_err(|e| io(e.into()))?;
        self.file.write_all(self.secrets.scrub(&text).as_bytes()).map_err(io)?;
        self.file.write_all(b"\n").map_err(io)
    }
}
