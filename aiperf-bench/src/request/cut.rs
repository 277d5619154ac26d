//! What a request is watched for while it is in flight: its place among the requests waiting
//! for their first token (`--prefill-concurrency`), freed at its first content, and its send,
//! where the timer of a request the client cancels on purpose (`--request-cancellation-delay`)
//! starts.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aiperf_core::ExchangeWatch;
use tokio::sync::{Notify, OwnedSemaphorePermit};

/// When the request was fully sent, told by the exchange to the timer beside it.
#[derive(Debug, Default)]
pub(super) struct SentSignal {
    at: OnceLock<Instant>,
    told: Notify,
}

impl SentSignal {
    /// Resolves `delay` after the request was sent (never, if it is not): the moment to cut it.
    pub(super) async fn elapsed(&self, delay: Duration) {
        let at = loop {
            if let Some(at) = self.at.get() {
                break *at;
            }
            self.told.notified().await;
        };
        tokio::time::sleep_until((at + delay).into()).await;
    }
}

/// The request path's [`ExchangeWatch`].
pub(super) struct Watch<'s> {
    /// A place among the requests waiting for their first token, given back at the first content.
    pub prefill: Option<OwnedSemaphorePermit>,
    /// Told of the send, when a timer waits for it.
    pub sent: Option<&'s SentSignal>,
}

impl ExchangeWatch for Watch<'_> {
    fn sent(&mut self, at: Instant) {
        if let Some(signal) = self.sent
            && signal.at.set(at).is_ok()
        {
            // A permit is kept when the timer does not wait yet: it sees the time when it looks.
            signal.told.notify_one();
        }
    }

    fn first_content(&mut self) {
        drop(self.prefill.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_timer_starts_at_the_send_told_before_or_after_it_waits() {
        let signal = SentSignal::default();
        let mut watch = Watch { prefill: None, sent: Some(&signal) };
        let waiting = signal.elapsed(Duration::from_millis(500));
        tokio::pin!(waiting);
        assert!(futures_poll(&mut waiting).is_pending(), "not sent yet");
        tokio::time::advance(Duration::from_secs(5)).await;
        assert!(futures_poll(&mut waiting).is_pending(), "still not sent: no cut");
        let sent = tokio::time::Instant::now().into_std();
        watch.sent(sent);
        watch.sent(sent + Duration::from_secs(1));
        tokio::time::advance(Duration::from_millis(499)).await;
        assert!(futures_poll(&mut waiting).is_pending(), "before the delay");
        tokio::time::advance(Duration::from_millis(1)).await;
        assert!(futures_poll(&mut waiting).is_ready(), "the delay after the first send told");
        // Told before the timer looks.
        let early = SentSignal::default();
        Watch { prefill: None, sent: Some(&early) }.sent(tokio::time::Instant::now().into_std());
        tokio::time::timeout(Duration::from_secs(1), early.elapsed(Duration::ZERO)).await.expect("cut at once");
    }

    fn futures_poll<F: std::future::Future>(future: &mut std::pin::Pin<&mut F>) -> std::task::Poll<F::Output> {
        let waker = std::task::Waker::noop();
        future.as_mut().poll(&mut std::task::Context::from_waker(waker))
    }
}
