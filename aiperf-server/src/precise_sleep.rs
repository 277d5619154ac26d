//! Sleeps that end when they should. Tokio's timer works in whole milliseconds: a 20 ms sleep
//! ends 20 to 21 ms later, so a simulated server whose delays are what a benchmark measures would
//! be about a millisecond late on every first token. Here one thread keeps the deadlines in a heap
//! and waits on a condition variable until the earliest (the kernel's high-resolution timers:
//! tens of µs), then wakes the tasks that are due.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Condvar, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// Deadlines this close together are woken together.
const SLACK: Duration = Duration::from_micros(20);

/// A deadline and the task waiting for it (ordered by deadline, then by arrival).
struct Entry {
    at: Instant,
    seq: u64,
    waker: Waker,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

#[derive(Default)]
struct Queue {
    heap: BinaryHeap<Reverse<Entry>>,
    seq: u64,
}

struct Timer {
    queue: Mutex<Queue>,
    changed: Condvar,
}

/// The timer thread, started on first use; it lives as long as the process. `None` if the
/// system would not start a thread (sleeps then yield until their deadline instead).
fn timer() -> Option<&'static Timer> {
    static TIMER: OnceLock<Option<&'static Timer>> = OnceLock::new();
    *TIMER.get_or_init(|| {
        let timer: &'static Timer = Box::leak(Box::new(Timer { queue: Mutex::default(), changed: Condvar::new() }));
        std::thread::Builder::new().name("aiperf-precise-timer".into()).spawn(move || run(timer)).ok().map(|_| timer)
    })
}

fn run(timer: &Timer) {
    let mut due = Vec::new();
    let mut queue = timer.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    loop {
        let now = Instant::now();
        while queue.heap.peek().is_some_and(|Reverse(e)| e.at <= now + SLACK) {
            if let Some(Reverse(entry)) = queue.heap.pop() {
                due.push(entry.waker);
            }
        }
        if !due.is_empty() {
            drop(queue);
            due.drain(..).for_each(Waker::wake);
            queue = timer.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            continue;
        }
        queue = match queue.heap.peek().map(|Reverse(e)| e.at.saturating_duration_since(now)) {
            None => timer.changed.wait(queue).unwrap_or_else(std::sync::PoisonError::into_inner),
            Some(wait) => timer.changed.wait_timeout(queue, wait).unwrap_or_else(std::sync::PoisonError::into_inner).0,
        };
    }
}

/// Waits until `at`, to within tens of µs.
pub fn sleep_until(at: Instant) -> Sleep {
    Sleep { at }
}

/// The future of [`sleep_until`].
#[derive(Debug)]
pub struct Sleep {
    at: Instant,
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.at {
            return Poll::Ready(());
        }
        let Some(timer) = timer() else {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        };
        let mut queue = timer.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let earliest = queue.heap.peek().is_none_or(|Reverse(e)| self.at < e.at);
        queue.seq += 1;
        let seq = queue.seq;
        queue.heap.push(Reverse(Entry { at: self.at, seq, waker: cx.waker().clone() }));
        drop(queue);
        if earliest {
            timer.changed.notify_one();
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sleeps_end_after_their_deadline_in_order() {
        let start = Instant::now();
        let deadlines: Vec<Instant> = [7, 3, 5, 0].iter().map(|ms| start + Duration::from_millis(*ms)).collect();
        let tasks: Vec<_> = deadlines
            .iter()
            .map(|&at| {
                tokio::spawn(async move {
                    sleep_until(at).await;
                    Instant::now()
                })
            })
            .collect();
        for (task, at) in tasks.into_iter().zip(deadlines) {
            let ended = tokio::time::timeout(Duration::from_secs(10), task).await.expect("ends").expect("no panic");
            assert!(ended + SLACK >= at, "ended {:?} before its deadline", at - ended);
        }
    }
}
