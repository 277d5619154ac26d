//! Progress while the benchmark runs: a bar on a terminal, periodic plain lines otherwise.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::task::JoinHandle;

use super::request::Tally;

/// Shows the progress of one phase until [`Progress::finish`].
pub struct Progress {
    task: Option<JoinHandle<()>>,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Starts showing `phase` progress on stderr (`total`: requests, when known; `duration`: when
    /// the phase is timed). `enabled` false shows nothing.
    pub fn start(enabled: bool, phase: &'static str, tally: Arc<Tally>, total: Option<u64>, duration: Option<Duration>) -> Self {
        if !enabled {
            return Self { task: None, bar: None };
        }
        let started = Instant::now();
        // A bar when a person is watching (stdout is a terminal); drawn on stderr, like the lines.
        if std::io::stdout().is_terminal() && std::io::stderr().is_terminal() {
            let bar = match total {
                Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()),
                None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            };
            let template = if total.is_some() {
                "{prefix} [{bar:40}] {pos}/{len} {msg} ({elapsed})"
            } else {
                "{prefix} {spinner} {pos} requests {msg} ({elapsed})"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(phase);
            let shown = bar.clone();
            let task = tokio::spawn(async move {
                loop {
                    shown.set_position(tally.done());
                    shown.set_message(format!("{} errors", tally.failed()));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            });
            return Self { task: Some(task), bar: Some(bar) };
        }
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(5)).await;
                let (done, failed) = (tally.done(), tally.failed());
                let elapsed = started.elapsed().as_secs_f64();
                let of = total
                    .map(|t| format!("/{t}"))
                    .or(duration.map(|d| format!(" in {:.0}/{:.0} s", elapsed, d.as_secs_f64())))
                    .unwrap_or_default();
                crate::stdio::note(&format!(
                    "[aiperf] {phase}: {done}{of} requests, {failed} errors, {:.1} req/s",
                    done as f64 / elapsed.max(1e-9)
                ));
            }
        });
        Self { task: Some(task), bar: None }
    }

    /// Stops showing progress.
    pub fn finish(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
