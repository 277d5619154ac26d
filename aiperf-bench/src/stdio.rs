//! Writing to the terminal the way Unix tools do: a closed stdout (`aiperf … | head`) ends output
//! quietly, a full disk is an error, and nothing here panics.

use std::io::{self, Write};

/// Writes `text` to stdout and flushes it.
///
/// # Errors
/// The write's error; [`io::ErrorKind::BrokenPipe`] means the reader went away.
pub fn write_stdout(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Writes one line to stderr; a closed or full stderr is ignored (there is nowhere left to say so).
pub fn note(line: &str) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{line}");
}
