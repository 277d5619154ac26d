//! The process's open-file limit: every connection is a file, so a high `--concurrency` needs a
//! high limit. It is raised to the hard limit at start, and a run that may need more is told so.

use crate::stdio::note;

/// Raises the soft open-file limit to the hard limit and returns the limit now in force (`None`
/// where there is no such limit or it cannot be read).
pub fn raise_open_files() -> Option<u64> {
    #[cfg(unix)]
    {
        let (_, hard) = rlimit::Resource::NOFILE.get().ok()?;
        rlimit::increase_nofile_limit(hard).ok()
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Warns when `in_flight` connections (plus a margin for the process's own files) may not fit in
/// the open-file limit, before requests fail with "Too many open files".
pub fn check_open_files(in_flight: usize) {
    const MARGIN: u64 = 64;
    if let Some(limit) = raise_open_files()
        && in_flight as u64 + MARGIN > limit
    {
        note(&format!(
            "[aiperf] up to {in_flight} requests may be in flight over separate connections, but this process may open {limit} files \
             (`ulimit -n`; hard limit reached): requests beyond that fail with \"Too many open files\". Raise the hard limit or lower --concurrency."
        ));
    }
}
