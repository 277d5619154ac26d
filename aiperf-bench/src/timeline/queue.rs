//! The sweep's waiting events, kept as each request's own run (its events are already in time
//! order: start, first token, chunks, end) and merged by a heap of the runs' next events: one heap
//! entry per request waiting, not one per event. A request streaming hundreds of chunks costs the
//! heap one entry, moved down once per event it sweeps; its run's buffer is reused by a later
//! request, so a steady run allocates nothing here.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::binary_heap::PeekMut;

use super::Event;

/// Spare run buffers kept for reuse at most: what requests waiting at once need in a steady run.
const MAX_SPARE: usize = 1 << 12;

/// A run's next event in the heap: its time, its order at that instant, and whose run it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Head {
    at: u64,
    order: u8,
    run: u32,
}

/// One request's events and how many of them were swept.
#[derive(Debug, Default)]
struct Run {
    events: Vec<Event>,
    next: usize,
}

/// The waiting events of every request, in time order across requests.
#[derive(Debug)]
pub(super) struct Queue {
    heads: BinaryHeap<Reverse<Head>>,
    runs: Vec<Run>,
    /// Slots of `runs` whose events were all swept (their buffers kept for reuse).
    free: Vec<u32>,
    /// Events not yet swept.
    waiting: usize,
}

impl Queue {
    /// A queue with room for `requests` waiting at once before it grows.
    pub(super) fn with_capacity(requests: usize) -> Self {
        Self { heads: BinaryHeap::with_capacity(requests), runs: Vec::with_capacity(requests), free: Vec::new(), waiting: 0 }
    }

    /// Events not yet swept.
    pub(super) fn len(&self) -> usize {
        self.waiting
    }

    /// Adds one request's events, which `fill` writes in the order they happened (each at or
    /// after the one before it, by time and then order).
    pub(super) fn push_run(&mut self, fill: impl FnOnce(&mut Vec<Event>)) {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.runs.push(Run::default());
                u32::try_from(self.runs.len() - 1).unwrap_or(u32::MAX)
            }
        };
        let run = &mut self.runs[slot as usize];
        run.events.clear();
        run.next = 0;
        fill(&mut run.events);
        debug_assert!(run.events.windows(2).all(|pair| (pair[0].at, pair[0].order) <= (pair[1].at, pair[1].order)), "a run in order");
        match run.events.first() {
            Some(first) => {
                self.waiting += run.events.len();
                self.heads.push(Reverse(Head { at: first.at, order: first.order, run: slot }));
            }
            None => self.release(slot),
        }
    }

    /// The time of the next event, if any waits.
    pub(super) fn next_at(&self) -> Option<u64> {
        self.heads.peek().map(|Reverse(head)| head.at)
    }

    /// Takes the next event (the earliest, by time and then order).
    pub(super) fn pop(&mut self) -> Option<Event> {
        let mut top = self.heads.peek_mut()?;
        let slot = top.0.run;
        let run = &mut self.runs[slot as usize];
        let event = run.events[run.next];
        run.next += 1;
        self.waiting -= 1;
        if let Some(next) = run.events.get(run.next) {
            // The run's next event replaces its head: one move down the heap.
            top.0 = Head { at: next.at, order: next.order, run: slot };
            drop(top);
        } else {
            PeekMut::pop(top);
            self.release(slot);
        }
        Some(event)
    }

    /// Slot `slot` is free again; its buffer is kept unless enough are spare.
    fn release(&mut self, slot: u32) {
        if self.free.len() >= MAX_SPARE {
            self.runs[slot as usize].events = Vec::new();
        }
        self.free.push(slot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::Levels;

    fn event(at: u64, order: u8) -> Event {
        Event { at, order, delta: Levels::default() }
    }

    #[test]
    fn runs_merge_in_time_and_order() {
        let mut queue = Queue::with_capacity(2);
        queue.push_run(|events| events.extend([event(0, 0), event(5, 1), event(5, 2), event(9, 3)]));
        queue.push_run(|events| events.extend([event(1, 0), event(5, 0), event(7, 3)]));
        assert_eq!((queue.len(), queue.next_at()), (7, Some(0)));
        let order: Vec<(u64, u8)> = std::iter::from_fn(|| queue.pop()).map(|e| (e.at, e.order)).collect();
        assert_eq!(order, [(0, 0), (1, 0), (5, 0), (5, 1), (5, 2), (7, 3), (9, 3)]);
        assert_eq!((queue.len(), queue.next_at()), (0, None));
    }

    #[test]
    fn swept_runs_lend_their_slots_to_later_ones() {
        let mut queue = Queue::with_capacity(1);
        for round in 0..3 {
            queue.push_run(|events| events.extend([event(round, 0), event(round + 1, 3)]));
            assert_eq!(queue.pop().map(|e| e.at), Some(round));
            assert_eq!(queue.pop().map(|e| e.at), Some(round + 1));
        }
        queue.push_run(|_| {});
        assert_eq!((queue.runs.len(), queue.len(), queue.pop().map(|e| e.at)), (1, 0, None), "one slot served every run");
    }
}
