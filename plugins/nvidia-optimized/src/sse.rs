//! Zero-copy SSE scanning: the same framing rules as the builtin scanner (WHATWG HTML §9.2),
//! reading complete events in place.

use std::borrow::Cow;

use aiperf_core::DecodeState;
use memchr::memchr2;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Feeds `bytes` and calls `on_event` with each complete event's data, borrowed from `bytes` (or
/// from the buffered tail) whenever the event is a single `data:` line.
///
/// # Errors
/// The first error of `on_event`; the event that failed is consumed.
pub fn feed<E>(state: &mut DecodeState, bytes: &[u8], mut on_event: impl FnMut(&[u8]) -> Result<(), E>) -> Result<(), E> {
    let at_stream_start = state.received == 0;
    state.received += bytes.len() as u64;
    if state.buffer.is_empty() && !at_stream_start {
        // Fast path: events straight from the transport's bytes.
        let (consumed, resume, result) = scan(bytes, 0, &mut on_event);
        state.buffer.extend_from_slice(&bytes[consumed..]);
        state.scanned = resume - consumed;
        return result;
    }
    let mut buffer = std::mem::take(&mut state.buffer);
    buffer.extend_from_slice(bytes);
    // Nothing drained yet: the buffer starts at the stream's first byte, where a BOM may be.
    if state.received == buffer.len() as u64 && buffer.starts_with(BOM) {
        buffer.drain(..BOM.len());
    }
    let (consumed, resume, result) = scan(&buffer, state.scanned, &mut on_event);
    buffer.drain(..consumed);
    state.scanned = resume - consumed;
    state.buffer = buffer;
    result
}

/// Dispatches every complete event in `buf` (scanning from `line_start`, a line start). Returns
/// how many bytes the dispatched events used, where to resume scanning, and the callback's result.
fn scan<E>(buf: &[u8], mut line_start: usize, on_event: &mut impl FnMut(&[u8]) -> Result<(), E>) -> (usize, usize, Result<(), E>) {
    let mut block_start = 0;
    let mut resume = line_start;
    let mut i = line_start;
    while let Some(offset) = memchr2(b'\n', b'\r', &buf[i..]) {
        i += offset;
        let term_len = if buf[i] == b'\r' && buf.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
        if line_start == i {
            let block = &buf[block_start..i];
            block_start = i + term_len;
            if let Some(data) = event_data(block)
                && let Err(e) = on_event(&data)
            {
                return (block_start, block_start, Err(e));
            }
        }
        // A `\r` ending the buffer may be the first half of `\r\n`: rescan its line later.
        if !(buf[i] == b'\r' && i + 1 == buf.len()) || line_start == i {
            resume = i + term_len;
        }
        i += term_len;
        line_start = i;
    }
    (block_start, resume.max(block_start), Ok(()))
}

/// The data of an event block: borrowed for a single `data:` line, joined otherwise.
fn event_data(block: &[u8]) -> Option<Cow<'_, [u8]>> {
    if block.is_empty() {
        return None;
    }
    if memchr2(b'\n', b'\r', block).is_none() {
        let value = data_value(block)?;
        return (!value.is_empty()).then_some(Cow::Borrowed(value));
    }
    // Several lines (rare): join them like the builtin scanner does.
    aiperf_endpoints::sse::event_data(block).map(Cow::Owned)
}

/// The value of a `data` field line (`data:x`, `data: x`, or a bare `data`).
fn data_value(line: &[u8]) -> Option<&[u8]> {
    let rest = line.strip_prefix(b"data")?;
    match rest.first() {
        None => Some(rest),
        Some(b':') => Some(rest[1..].strip_prefix(b" ").unwrap_or(&rest[1..])),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(chunks: &[&[u8]]) -> (Vec<String>, DecodeState) {
        let mut state = DecodeState::new(200, true);
        let mut out = Vec::new();
        for chunk in chunks {
            feed::<()>(&mut state, chunk, |data| {
                out.push(String::from_utf8_lossy(data).into_owned());
                Ok(())
            })
            .unwrap();
        }
        (out, state)
    }

    #[test]
    fn every_split_point_gives_the_same_events_as_the_builtin() {
        let stream: &[u8] =
            b"\xEF\xBB\xBFdata: {\"t\":\"h\xC3\xA9\"}\r\n\r\n: c\r\ndata: x\r\ndata: y\r\n\r\ndata\ndata:z\r\rdata: [DONE]\r\n\r\n";
        let mut builtin = Vec::new();
        let mut state = DecodeState::new(200, true);
        aiperf_endpoints::sse::feed::<()>(&mut state, stream, |d| {
            builtin.push(d.to_owned());
            Ok(())
        })
        .unwrap();
        assert_eq!(builtin, ["{\"t\":\"hé\"}", "x\ny", "\nz", "[DONE]"]);
        for i in 0..=stream.len() {
            for j in i..=stream.len() {
                let (got, state) = events(&[&stream[..i], &stream[i..j], &stream[j..]]);
                assert_eq!(got, builtin, "split at {i}/{j}");
                assert!(state.buffer.is_empty(), "split at {i}/{j}");
            }
        }
    }

    #[test]
    fn a_field_named_like_data_is_not_data() {
        assert_eq!(events(&[b"x\n\ndatum: 1\ndata: 2\n\n"]).0, ["2"]);
    }
}
