//! A request body that says when the connection took it: the "request sent" time, reported to
//! the response's sink as it happens (a cancellation timer starts there).

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use std::time::Instant;

use aiperf_core::ResponseSink;
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::sync::oneshot;

/// A one-frame body; its channel gets the instant its frame was taken for writing.
#[derive(Debug)]
pub struct SentBody {
    data: Option<Bytes>,
    sent: Option<oneshot::Sender<Instant>>,
}

/// Where a [`SentBody`]'s send time arrives.
#[derive(Debug)]
pub struct SentTime(oneshot::Receiver<Instant>);

impl SentBody {
    /// The body and where its send time will arrive.
    pub fn new(data: Bytes) -> (Self, SentTime) {
        let (tx, rx) = oneshot::channel();
        (Self { data: Some(data), sent: Some(tx) }, SentTime(rx))
    }
}

impl Body for SentBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let frame = self.data.take().map(|data| Ok(Frame::data(data)));
        if let Some(sent) = self.sent.take() {
            let _ = sent.send(Instant::now());
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.data.as_ref().map_or(0, |d| d.len() as u64))
    }
}

impl SentTime {
    /// Runs `request` (the wait for the response's head) and tells `sink` when the body was
    /// taken, as soon as it was, unless `reported` already (a request sent again): the send time,
    /// if the body was taken, beside the request's output.
    pub async fn during<F: Future>(mut self, request: F, sink: &mut dyn ResponseSink, reported: bool) -> (F::Output, Option<Instant>) {
        let mut request = pin!(request);
        let (mut waiting, mut sent) = (true, None);
        let output = std::future::poll_fn(|cx| {
            if let Poll::Ready(output) = request.as_mut().poll(cx) {
                if waiting {
                    sent = self.0.try_recv().ok();
                    waiting = false;
                    if let (Some(at), false) = (sent, reported) {
                        sink.on_sent(at);
                    }
                }
                return Poll::Ready(output);
            }
            if waiting && let Poll::Ready(at) = Pin::new(&mut self.0).poll(cx) {
                (waiting, sent) = (false, at.ok());
                if let (Some(at), false) = (sent, reported) {
                    sink.on_sent(at);
                }
            }
            Poll::Pending
        })
        .await;
        (output, sent)
    }
}
