//! A request body that records when the connection took it: the "request sent" time.

use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

/// A one-frame body; the shared cell gets the instant its frame was taken for writing.
#[derive(Debug)]
pub struct SentBody {
    data: Option<Bytes>,
    sent: Arc<OnceLock<Instant>>,
}

impl SentBody {
    /// The body and the cell that will hold its send time.
    pub fn new(data: Bytes) -> (Self, Arc<OnceLock<Instant>>) {
        let sent = Arc::new(OnceLock::new());
        (Self { data: Some(data), sent: Arc::clone(&sent) }, sent)
    }
}

impl Body for SentBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let frame = self.data.take().map(|data| Ok(Frame::data(data)));
        let _ = self.sent.set(Instant::now());
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.data.as_ref().map_or(0, |d| d.len() as u64))
    }
}
