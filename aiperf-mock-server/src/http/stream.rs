//! The response side of a generation: [`ChannelWriter`] takes what the engine writes (applying the
//! response's stream fault) and [`ResponseBody`] hands it to the connection as it is read.

use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use aiperf_server::openai_server::{self, ResponseWriter};
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::sync::{mpsc, oneshot};

use crate::faults::{self, Fault};

/// Hands the status to the request handler, then every piece of body to the response stream.
/// A client that leaves more than `max_unread` bytes unread is not reading: generation for it
/// stops (its connection ends after what was queued), so it cannot grow the server's memory.
pub(super) struct ChannelWriter {
    start: Option<oneshot::Sender<(u16, &'static str)>>,
    chunks: mpsc::UnboundedSender<Out>,
    unread: Arc<AtomicUsize>,
    max_unread: usize,
    /// The stream fault of this response, if any, applied to piece [`faults::is_target`].
    fault: Option<Fault>,
    pieces: u32,
    streaming: bool,
}

/// What the engine's side hands the response body.
pub(super) enum Out {
    /// Body bytes.
    Data(Bytes),
    /// Reset the connection here (`--fault reset-mid-stream`).
    Reset,
    /// Go on with an endless body (`--fault huge-response`).
    Huge,
}

impl ChannelWriter {
    /// A writer for one response with `fault` (if any), the receiver of its status and content
    /// type, and the body that hands the connection what it writes.
    pub(super) fn new(fault: Option<Fault>, max_unread: usize) -> (Self, oneshot::Receiver<(u16, &'static str)>, ResponseBody) {
        let (start, started) = oneshot::channel();
        let (chunks, rx) = mpsc::unbounded_channel();
        let unread = Arc::new(AtomicUsize::new(0));
        let body = ResponseBody::Channel { rx, unread: Arc::clone(&unread), huge_left: 0 };
        let writer = Self { start: Some(start), chunks, unread, max_unread, fault, pieces: 0, streaming: false };
        (writer, started, body)
    }

    /// Queues `out`, counting its bytes as unread until the connection takes them (a fault may
    /// change a piece's length: what is counted is what is sent).
    fn send(&mut self, out: Out) -> ControlFlow<()> {
        if let Out::Data(bytes) = &out {
            self.unread.fetch_add(bytes.len(), Ordering::AcqRel);
        }
        // A closed channel means hyper dropped the body: the client went away.
        if self.chunks.send(out).is_ok() { ControlFlow::Continue(()) } else { ControlFlow::Break(()) }
    }

    /// Applies the response's fault to the piece it targets; returns whether it took the piece over.
    fn fault(&mut self, bytes: &[u8]) -> Option<ControlFlow<()>> {
        let fault = self.fault.filter(|_| faults::is_target(self.pieces, self.streaming))?;
        Some(match fault {
            Fault::ResetMidStream => {
                let _ = self.send(Out::Data(Bytes::copy_from_slice(&bytes[..bytes.len() / 2])));
                let _ = self.send(Out::Reset);
                ControlFlow::Break(())
            }
            Fault::MalformedEvent => self.send(Out::Data(Bytes::from(faults::malformed(bytes, self.streaming)))),
            Fault::InvalidUtf8 => self.send(Out::Data(Bytes::from(faults::invalid_utf8(bytes)))),
            Fault::HugeResponse => {
                let _ = self.send(Out::Data(Bytes::copy_from_slice(b"data: ")));
                let _ = self.send(Out::Huge);
                ControlFlow::Break(())
            }
            Fault::Status429 | Fault::Html502 | Fault::Hang | Fault::JsonToStream | Fault::ByteByByte => return None,
        })
    }
}

impl ResponseWriter for ChannelWriter {
    fn start(&mut self, status: u16, content_type: &'static str) {
        self.streaming = content_type == openai_server::EVENT_STREAM;
        if let Some(start) = self.start.take() {
            let _ = start.send((status, content_type));
        }
    }

    fn write(&mut self, bytes: &[u8]) -> ControlFlow<()> {
        if self.unread.load(Ordering::Acquire).saturating_add(bytes.len()) > self.max_unread {
            return ControlFlow::Break(());
        }
        self.pieces += 1;
        if let Some(done) = self.fault(bytes) {
            return done;
        }
        let piece = Bytes::copy_from_slice(bytes);
        if self.fault == Some(Fault::ByteByByte) {
            for i in 0..piece.len() {
                self.send(Out::Data(piece.slice(i..=i)))?;
            }
            return ControlFlow::Continue(());
        }
        self.send(Out::Data(piece))
    }

    fn is_closed(&self) -> bool {
        self.chunks.is_closed()
    }
}

/// A response body: fixed bytes, or pieces flushed as the engine writes them (with the count of
/// bytes written but not yet taken by the connection, and what is left of a huge body).
pub(super) enum ResponseBody {
    Full(Option<Bytes>),
    Channel { rx: mpsc::UnboundedReceiver<Out>, unread: Arc<AtomicUsize>, huge_left: usize },
}

/// How much `--fault huge-response` sends: twice what a client reads.
const HUGE: usize = 128 << 20;

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match self.get_mut() {
            Self::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Self::Channel { rx, unread, huge_left } => {
                if *huge_left > 0 {
                    // Made as the connection takes it: as fast as the client reads, never queued.
                    static MIB: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();
                    let piece = MIB.get_or_init(|| Bytes::from(vec![b'x'; 1 << 20])).slice(..(*huge_left).min(1 << 20));
                    *huge_left -= piece.len();
                    return Poll::Ready(Some(Ok(Frame::data(piece))));
                }
                rx.poll_recv(cx).map(|out| match out? {
                    Out::Data(d) => {
                        unread.fetch_sub(d.len(), Ordering::AcqRel);
                        Some(Ok(Frame::data(d)))
                    }
                    Out::Reset => Some(Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "--fault reset-mid-stream"))),
                    Out::Huge => {
                        *huge_left = HUGE;
                        Some(Ok(Frame::data(Bytes::new())))
                    }
                })
            }
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Self::Full(data) => SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64)),
            Self::Channel { .. } => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_that_does_not_read_stops_generation_at_the_limit() {
        let (mut writer, _started, mut body) = ChannelWriter::new(None, 64 << 10);
        writer.streaming = true;
        let unread = Arc::clone(&writer.unread);
        let piece = [b'x'; 1000];
        let written = (0..1000).take_while(|_| writer.write(&piece).is_continue()).count();
        assert_eq!(written, 65, "64 KiB of unread pieces, then no more");
        assert_eq!(unread.load(Ordering::Acquire), 65_000);
        // Once the connection takes what is queued, writing resumes.
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        while let Poll::Ready(Some(_)) = Pin::new(&mut body).poll_frame(&mut cx) {}
        assert_eq!(unread.load(Ordering::Acquire), 0, "everything queued was taken");
        drop(body);
        assert!(writer.is_closed(), "a dropped body is a client gone");
    }
}
