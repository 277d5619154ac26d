//! The per-request time limit every network transport applies (public, for transports outside
//! this crate: `aiperf_transports::deadline::within`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use aiperf_core::TransportError;
use pin_project_lite::pin_project;
use tokio::time::Sleep;

/// Runs `exchange`, failing with [`TransportError::Timeout`] if it takes longer than `limit`.
///
/// # Errors
/// [`TransportError::Timeout`], or what `exchange` returned.
pub async fn within<T>(limit: Duration, exchange: impl Future<Output = Result<T, TransportError>>) -> Result<T, TransportError> {
    Within { exchange, timer: tokio::time::sleep(limit), waker: None, limit }.await
}

pin_project! {
    /// `exchange` under a deadline. A streamed response wakes its task once per piece of the body,
    /// and `tokio::time::timeout` polls its timer on every wake. This one polls the timer only to
    /// give it the task's waker (once, and again should the waker change) and on the wake it
    /// makes; otherwise it asks whether it fired, which reads its state and registers nothing.
    struct Within<F> {
        #[pin]
        exchange: F,
        #[pin]
        timer: Sleep,
        // The waker the timer holds.
        waker: Option<Waker>,
        limit: Duration,
    }
}

impl<T, F: Future<Output = Result<T, TransportError>>> Future for Within<F> {
    type Output = Result<T, TransportError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(done) = this.exchange.poll(cx) {
            return Poll::Ready(done);
        }
        let registered = this.waker.as_ref().is_some_and(|waker| waker.will_wake(cx.waker()));
        if registered && !this.timer.is_elapsed() {
            return Poll::Pending;
        }
        if !registered {
            *this.waker = Some(cx.waker().clone());
        }
        this.timer.poll(cx).map(|()| Err(TransportError::Timeout(*this.limit)))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn an_exchange_that_never_ends_times_out_at_its_limit() {
        let started = tokio::time::Instant::now();
        let never = std::future::pending::<Result<(), TransportError>>();
        let result = within(Duration::from_secs(3), never).await;
        assert!(matches!(result, Err(TransportError::Timeout(limit)) if limit == Duration::from_secs(3)), "{result:?}");
        assert_eq!(started.elapsed(), Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn an_exchange_woken_often_still_times_out_and_one_in_time_completes() {
        // Woken every 7 ms, as a streamed body is on every piece, and never finishing.
        let chatty = async {
            loop {
                tokio::time::sleep(Duration::from_millis(7)).await;
            }
        };
        let started = tokio::time::Instant::now();
        let result: Result<(), _> = within(Duration::from_millis(50), chatty).await;
        assert!(matches!(result, Err(TransportError::Timeout(_))), "{result:?}");
        assert_eq!(started.elapsed(), Duration::from_millis(50));
        let quick = within(Duration::from_secs(1), async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            Ok::<_, TransportError>(7)
        });
        assert_eq!(quick.await.unwrap(), 7);
    }

    /// A waker that counts its wakes.
    struct Count(AtomicUsize);

    impl std::task::Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_new_waker_is_the_one_the_timer_wakes() {
        let mut deadline = std::pin::pin!(within(Duration::from_secs(1), std::future::pending::<Result<(), TransportError>>()));
        let (first, second) = (Arc::new(Count(AtomicUsize::new(0))), Arc::new(Count(AtomicUsize::new(0))));
        for count in [&first, &second] {
            let waker = Waker::from(Arc::clone(count));
            assert!(deadline.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
        }
        tokio::time::advance(Duration::from_secs(2)).await;
        tokio::task::yield_now().await;
        assert_eq!((first.0.load(Ordering::SeqCst), second.0.load(Ordering::SeqCst)), (0, 1));
        let waker = Waker::from(Arc::clone(&second));
        let result = deadline.as_mut().poll(&mut Context::from_waker(&waker));
        assert!(matches!(result, Poll::Ready(Err(TransportError::Timeout(_)))), "{result:?}");
    }
}
