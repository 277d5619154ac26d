//! Server-sent events framing (WHATWG HTML §9.2), as OpenAI-compatible servers stream.
//!
//! Bytes are buffered, never decoded before an event is complete, so reads that split an event
//! or a UTF-8 character are fine. Lines end in `\r\n`, `\n` or `\r`; a blank line dispatches the
//! event; `:` lines are comments; several `data:` lines join with `\n`; a leading BOM is dropped;
//! an event cut off by the end of the stream is not dispatched. One deviation: an event whose data
//! is empty is skipped (there is nothing to parse), where the spec dispatches `""`.

use aiperf_core::DecodeState;

/// Appends `bytes` to the state's buffer and calls `on_event` with the data of every event that
/// is now complete. Consumed bytes leave the buffer; an unfinished event stays.
///
/// # Errors
/// The first error `on_event` returns; the event that failed is consumed.
pub fn feed<E>(state: &mut DecodeState, bytes: &[u8], mut on_event: impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
    state.received += bytes.len() as u64;
    state.buffer.extend_from_slice(bytes);
    // Nothing drained yet means the buffer starts at the stream's first byte (a BOM may arrive split).
    let at_stream_start = state.received == state.buffer.len() as u64;
    if at_stream_start && state.buffer.starts_with(b"\xEF\xBB\xBF") {
        state.buffer.drain(..3);
    }
    let mut consumed = 0;
    let mut result = Ok(());
    let resume = loop {
        match scan(&state.buffer, state.scanned.max(consumed)) {
            Scan::Blank { block_end, next } => {
                let data = event_data(&state.buffer[consumed..block_end]);
                consumed = next;
                if let Some(data) = data
                    && let Err(e) = on_event(&String::from_utf8_lossy(&data))
                {
                    result = Err(e);
                    break consumed;
                }
            }
            Scan::Incomplete { resume } => break resume,
        }
    };
    state.buffer.drain(..consumed);
    state.scanned = resume - consumed;
    result
}

enum Scan {
    /// A blank line ends the event block at `block_end`; the next block starts at `next`.
    Blank { block_end: usize, next: usize },
    /// No blank line yet; scanning can resume at `resume`, a line start.
    Incomplete { resume: usize },
}

/// Looks for the blank line that ends the current event block, from `line_start` (a line start;
/// the block's lines before it hold no blank line).
fn scan(buf: &[u8], mut line_start: usize) -> Scan {
    let mut i = line_start;
    let mut resume = line_start;
    while i < buf.len() {
        if !matches!(buf[i], b'\n' | b'\r') {
            i += 1;
            continue;
        }
        let term_len = if buf[i] == b'\r' && buf.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
        if line_start == i {
            return Scan::Blank { block_end: i, next: i + term_len };
        }
        // A `\r` ending the buffer may be the first half of `\r\n`: rescan its line later.
        if !(buf[i] == b'\r' && i + 1 == buf.len()) {
            resume = i + term_len;
        }
        i += term_len;
        line_start = i;
    }
    Scan::Incomplete { resume }
}

/// The `data` of one event block (the lines between two blank lines): the values of its `data`
/// fields joined with `\n`, or `None` when it has none or they are empty.
pub fn event_data(block: &[u8]) -> Option<Vec<u8>> {
    let mut data: Option<Vec<u8>> = None;
    for line in block.split(|&b| b == b'\n' || b == b'\r').filter(|l| !l.is_empty()) {
        if line[0] == b':' {
            continue;
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        if field == b"data" {
            let data = data.get_or_insert_with(Vec::new);
            data.extend_from_slice(value);
            data.push(b'\n');
        }
    }
    let mut data = data?;
    data.pop();
    // An event with empty data carries nothing to parse: skipped (the spec would dispatch "").
    (!data.is_empty()).then_some(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(chunks: &[&[u8]]) -> (Vec<String>, DecodeState) {
        let mut state = DecodeState::new(200, true);
        let mut out = Vec::new();
        for chunk in chunks {
            feed::<()>(&mut state, chunk, |data| {
                out.push(data.to_owned());
                Ok(())
            })
            .unwrap();
        }
        (out, state)
    }

    #[test]
    fn lf_crlf_and_cr_framing() {
        assert_eq!(events(&[b"data: a\n\ndata: b\n\n"]).0, ["a", "b"]);
        assert_eq!(events(&[b"data: a\r\n\r\ndata: b\r\n\r\n"]).0, ["a", "b"]);
        assert_eq!(events(&[b"data: a\r\rdata: b\r\r"]).0, ["a", "b"]);
    }

    #[test]
    fn multi_line_data_comments_and_other_fields() {
        let (got, _) = events(&[b": keep-alive\n\nevent: x\nid: 1\ndata: one\ndata:two\nretry: 5\n\n"]);
        assert_eq!(got, ["one\ntwo"]);
    }

    #[test]
    fn every_split_point_gives_the_same_events() {
        let stream: &[u8] = b"\xEF\xBB\xBFdata: {\"t\":\"h\xC3\xA9\"}\r\n\r\n: c\r\ndata: x\r\ndata: y\r\n\r\ndata: [DONE]\r\n\r\n";
        let whole = events(&[stream]).0;
        assert_eq!(whole, ["{\"t\":\"hé\"}", "x\ny", "[DONE]"]);
        for i in 0..=stream.len() {
            for j in i..=stream.len() {
                let (got, state) = events(&[&stream[..i], &stream[i..j], &stream[j..]]);
                assert_eq!(got, whole, "split at {i}/{j}");
                assert!(state.buffer.is_empty());
            }
        }
    }

    #[test]
    fn unfinished_event_stays_buffered() {
        let (got, state) = events(&[b"data: a\n\ndata: b\n"]);
        assert_eq!(got, ["a"]);
        assert_eq!(state.buffer, b"data: b\n");
    }

    #[test]
    fn error_from_the_callback_stops_and_consumes_that_event() {
        let mut state = DecodeState::new(200, true);
        let mut seen = 0;
        let result = feed(&mut state, b"data: 1\n\ndata: 2\n\ndata: 3\n\n", |d| {
            seen += 1;
            if d == "2" { Err("bad") } else { Ok(()) }
        });
        assert_eq!(result, Err("bad"));
        assert_eq!(seen, 2);
        assert_eq!(state.buffer, b"data: 3\n\n");
    }
}
