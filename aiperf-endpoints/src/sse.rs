//! Server-sent events framing (WHATWG HTML §9.2), as OpenAI-compatible servers stream.
//!
//! Bytes are buffered, never decoded before an event is complete, so reads that split an event
//! or a UTF-8 character are fine. Lines end in `\r\n`, `\n` or `\r`; a blank line dispatches the
//! event; `:` lines are comments; several `data:` lines join with `\n`; a leading BOM is dropped;
//! an event cut off by the end of the stream is not dispatched here (an endpoint's `finish` may
//! apply one that missed only its blank line, as the OpenAI-style endpoints do). One deviation: an
//! event whose data is empty is skipped (there is nothing to parse), where the spec dispatches
//! `""`.

use std::borrow::Cow;

use aiperf_core::DecodeState;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Calls `on_event` with the data of every event that is complete once `bytes` arrived, as text
/// (invalid UTF-8 decoded lossily, as WHATWG's SSE decoding does). See [`feed_bytes`].
///
/// # Errors
/// The first error `on_event` returns; the event that failed is consumed.
pub fn feed<E>(state: &mut DecodeState, bytes: &[u8], mut on_event: impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
    feed_bytes(state, bytes, |data| match std::str::from_utf8(data) {
        Ok(text) => on_event(text),
        Err(_) => on_event(&String::from_utf8_lossy(data)),
    })
}

/// Calls `on_event` with the data of every event that is complete once `bytes` arrived, as bytes.
/// Events wholly inside `bytes` are read in place (a one-line event's data is borrowed, not
/// copied); only an unfinished event is kept in the state's buffer, and completed from there by
/// the next read.
///
/// # Errors
/// The first error `on_event` returns; the event that failed is consumed.
pub fn feed_bytes<E>(state: &mut DecodeState, bytes: &[u8], mut on_event: impl FnMut(&[u8]) -> Result<(), E>) -> Result<(), E> {
    feed_events(state, bytes, |event| on_event(event.data))
}

/// One dispatched event: its `event:` name, when it has one (Anthropic's `message_start`, an
/// `error` event), and its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event<'a> {
    /// The value of its last `event:` line, if any (the spec's default type is `message`).
    pub name: Option<&'a [u8]>,
    /// Its `data:` lines, joined with `\n`.
    pub data: &'a [u8],
}

/// [`feed_bytes`], with each event's name as well as its data.
///
/// # Errors
/// The first error `on_event` returns; the event that failed is consumed.
pub fn feed_events<E>(state: &mut DecodeState, bytes: &[u8], mut on_event: impl FnMut(Event<'_>) -> Result<(), E>) -> Result<(), E> {
    let in_place = starts_event(state, bytes);
    state.received += bytes.len() as u64;
    if in_place {
        // The previous read ended on an event boundary: scan the new bytes where they are.
        let (consumed, resume, result) = dispatch(bytes, 0, &mut on_event);
        state.buffer.extend_from_slice(&bytes[consumed..]);
        state.scanned = resume - consumed;
        return result;
    }
    state.buffer.extend_from_slice(bytes);
    // The stream's first bytes are still in the buffer (a BOM may arrive split): drop a whole BOM.
    if state.received == state.buffer.len() as u64 && state.buffer.starts_with(BOM) {
        state.buffer.drain(..BOM.len());
    }
    let (consumed, resume, result) = dispatch(&state.buffer, state.scanned, &mut on_event);
    state.buffer.drain(..consumed);
    state.scanned = resume - consumed;
    result
}

/// Whether `bytes`, the next read of the stream, starts where an event does and may be read in
/// place: the previous read ended on an event boundary, and no BOM (dropped) is arriving, maybe
/// split, at the stream's start (until it is known not to, bytes go through the buffer).
pub fn starts_event(state: &DecodeState, bytes: &[u8]) -> bool {
    let maybe_bom = state.received < BOM.len() as u64 && {
        let seen = state.received as usize;
        let head = &bytes[..bytes.len().min(BOM.len() - seen)];
        !head.is_empty() && BOM[seen..].starts_with(head)
    };
    state.buffer.is_empty() && !maybe_bom
}

/// The length of the event at the start of `bytes` (where [`starts_event`] said one starts)
/// when it is one `data:` line and a blank line, `\n\n` (what servers send), and `read` reads
/// the line's value whole: given the bytes from the value on, `read` returns where the value
/// ends, and must not read past a line break. Such an event is what [`feed_bytes`] would
/// dispatch, found without a search for the line's end. `None` leaves it to [`feed_bytes`], and
/// [`consumed`] tells the state what was read this way.
pub fn one_line_event<'a>(bytes: &'a [u8], read: impl FnOnce(&'a [u8]) -> Option<usize>) -> Option<usize> {
    let value = bytes.strip_prefix(b"data:")?;
    let value = strip_space(value);
    let end = bytes.len() - value.len() + read(value)?;
    (bytes.get(end..end + 2) == Some(b"\n\n")).then_some(end + 2)
}

/// Notes `bytes` of whole events read by [`one_line_event`], as [`feed_bytes`] notes the bytes
/// it is given.
pub fn consumed(state: &mut DecodeState, bytes: usize) {
    state.received += bytes as u64;
}

/// Dispatches the complete events of `buf` (scanning from `scanned`, a line start known to hold
/// no blank line before it). Returns how many bytes were consumed, where scanning may resume, and
/// the first error.
fn dispatch<E>(buf: &[u8], scanned: usize, on_event: &mut impl FnMut(Event<'_>) -> Result<(), E>) -> (usize, usize, Result<(), E>) {
    let mut consumed = 0;
    loop {
        let from = scanned.max(consumed);
        match scan(buf, from) {
            Scan::Blank { block_end, next, lines } => {
                let block = &buf[consumed..block_end];
                // A block scanned whole in one line (what servers send) needs no second look.
                let event = block_event(block, from == consumed && lines == 1);
                consumed = next;
                if let Some((name, data)) = event
                    && let Err(e) = on_event(Event { name, data: &data })
                {
                    return (consumed, consumed, Err(e));
                }
            }
            Scan::Incomplete { resume } => return (consumed, resume, Ok(())),
        }
    }
}

enum Scan {
    /// A blank line ends the event block at `block_end`; the next block starts at `next`;
    /// `lines` lines were scanned before it.
    Blank { block_end: usize, next: usize, lines: usize },
    /// No blank line yet; scanning can resume at `resume`, a line start.
    Incomplete { resume: usize },
}

/// Looks for the blank line that ends the current event block, from `line_start` (a line start;
/// the block's lines before it hold no blank line).
fn scan(buf: &[u8], mut line_start: usize) -> Scan {
    let mut resume = line_start;
    let mut from = line_start;
    let mut lines = 0;
    loop {
        // A line that starts with its terminator is blank: what follows every data line, found
        // without a search.
        let i = match buf.get(from) {
            Some(b'\n' | b'\r') => from,
            Some(_) => match memchr::memchr2(b'\n', b'\r', &buf[from..]) {
                Some(offset) => from + offset,
                None => break,
            },
            None => break,
        };
        let term_len = if buf[i] == b'\r' && buf.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
        if line_start == i {
            return Scan::Blank { block_end: i, next: i + term_len, lines };
        }
        lines += 1;
        // A `\r` ending the buffer may be the first half of `\r\n`: rescan its line later.
        if !(buf[i] == b'\r' && i + 1 == buf.len()) {
            resume = i + term_len;
        }
        from = i + term_len;
        line_start = from;
    }
    Scan::Incomplete { resume }
}

/// The `data` of one event block (the lines between two blank lines): the values of its `data`
/// fields joined with `\n`, or `None` when it has none or they are empty. A block of one `data`
/// line (what servers send) is borrowed, not copied.
pub fn event_data(block: &[u8]) -> Option<Cow<'_, [u8]>> {
    block_event(block, false).map(|(_, data)| data)
}

/// An event's name and its data, as [`block_event`] reads them.
type NamedData<'a> = (Option<&'a [u8]>, Cow<'a, [u8]>);

/// The name (its last `event:` line) and the data of one event block, as [`event_data`] reads
/// the data; told whether the block is known to be one line.
fn block_event(block: &[u8], one_line: bool) -> Option<NamedData<'_>> {
    let single = if one_line { data_line(block) } else { single_data_line(block) };
    if let Some(value) = single {
        return (!value.is_empty()).then_some((None, Cow::Borrowed(value)));
    }
    let (mut data, mut name): (Option<Vec<u8>>, Option<&[u8]>) = (None, None);
    for line in block.split(|&b| b == b'\n' || b == b'\r').filter(|l| !l.is_empty()) {
        if line[0] == b':' {
            continue;
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => (&line[..colon], strip_space(&line[colon + 1..])),
            None => (line, &[][..]),
        };
        match field {
            b"data" => {
                let data = data.get_or_insert_with(Vec::new);
                data.extend_from_slice(value);
                data.push(b'\n');
            }
            b"event" => name = Some(value),
            _ => {}
        }
    }
    let mut data = data?;
    data.pop();
    // An event with empty data carries nothing to parse: skipped (the spec would dispatch "").
    (!data.is_empty()).then_some((name, Cow::Owned(data)))
}

/// The value of a block that is exactly one `data:` line.
fn single_data_line(block: &[u8]) -> Option<&[u8]> {
    let value = data_line(block)?;
    memchr::memchr2(b'\n', b'\r', value).is_none().then_some(value)
}

/// The value of a block known to be one line, if that line is a `data` field.
fn data_line(block: &[u8]) -> Option<&[u8]> {
    let line = block.strip_suffix(b"\n").unwrap_or(block);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    line.strip_prefix(b"data:").map(strip_space)
}

/// A field value without the one space that may follow the colon.
fn strip_space(value: &[u8]) -> &[u8] {
    value.strip_prefix(b" ").unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_hand_on_their_names() {
        // Anthropic's Messages stream names every event; the last `event:` line of a block wins.
        let stream: &[u8] = b"event: message_start\ndata: {\"a\":1}\n\nevent: ping\nevent: error\ndata: {\"b\":2}\n\ndata: {\"c\":3}\n\n";
        for cut in 0..=stream.len() {
            let mut state = DecodeState::default();
            let mut seen: Vec<(Option<Vec<u8>>, Vec<u8>)> = Vec::new();
            for piece in [&stream[..cut], &stream[cut..]] {
                feed_events::<()>(&mut state, piece, |e| {
                    seen.push((e.name.map(<[u8]>::to_vec), e.data.to_vec()));
                    Ok(())
                })
                .unwrap();
            }
            let expected: Vec<(Option<Vec<u8>>, Vec<u8>)> = vec![
                (Some(b"message_start".to_vec()), b"{\"a\":1}".to_vec()),
                (Some(b"error".to_vec()), b"{\"b\":2}".to_vec()),
                (None, b"{\"c\":3}".to_vec()),
            ];
            assert_eq!(seen, expected, "cut at {cut}");
        }
    }

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
    fn bare_data_lines_and_fields_named_like_data() {
        assert_eq!(events(&[b"data\ndata:z\r\r"]).0, ["\nz"]);
        assert_eq!(events(&[b"x\n\ndatum: 1\ndata: 2\n\ndata\n\n"]).0, ["2"]);
    }

    #[test]
    fn unfinished_event_stays_buffered() {
        let (got, state) = events(&[b"data: a\n\ndata: b\n"]);
        assert_eq!(got, ["a"]);
        assert_eq!(state.buffer, b"data: b\n");
    }

    #[test]
    fn one_line_events_are_found_where_their_value_ends() {
        // `read` stands for a reader: the value is the object up to its closing brace.
        let brace = |value: &[u8]| value.iter().position(|&b| b == b'}').map(|at| at + 1);
        assert_eq!(one_line_event(b"data: {\"a\":1}\n\ndata: {}\n\n", brace), Some(15));
        assert_eq!(one_line_event(b"data:{}\n\n", brace), Some(9));
        // Anything else is the framing's: other line ends, a missing blank line, other fields,
        // bytes after the value, a value the reader declines.
        for bytes in [&b"data: {}\r\n\r\n"[..], b"data: {}\n", b"data: {}\ndata: x\n\n", b"event: {}\n\n", b"data: {} \n\n", b"data: x\n\n"]
        {
            assert_eq!(one_line_event(bytes, brace), None, "{:?}", String::from_utf8_lossy(bytes));
        }
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

    /// WHATWG's SSE parsing of a whole stream, line by line: the specification [`feed_bytes`]
    /// (which scans each read once and reads one-line events in place) must match.
    fn by_lines(stream: &[u8]) -> Vec<Vec<u8>> {
        let stream = stream.strip_prefix(BOM).unwrap_or(stream);
        let (mut events, mut data, mut start) = (Vec::new(), None::<Vec<u8>>, 0);
        while let Some(end) = stream[start..].iter().position(|&b| b == b'\n' || b == b'\r').map(|at| start + at) {
            let line = &stream[start..end];
            start = end + if stream[end..].starts_with(b"\r\n") { 2 } else { 1 };
            if line.is_empty() {
                if let Some(mut event) = data.take() {
                    event.pop();
                    events.extend((!event.is_empty()).then_some(event));
                }
            } else if let Some(value) = line.strip_prefix(b"data:").or((line == b"data").then_some(&b""[..])) {
                let event = data.get_or_insert_with(Vec::new);
                event.extend_from_slice(value.strip_prefix(b" ").unwrap_or(value));
                event.push(b'\n');
            }
        }
        events
    }

    proptest::proptest! {
        #[test]
        fn streams_cut_anywhere_give_whatwgs_events(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                &b"data:"[..], b"data: ", b"data", b"x", b" ", b":c", b"event: e", b"\n", b"\r", b"\r\n", b"\xC3\xA9", BOM,
            ]), 0..40),
            cuts in proptest::collection::vec(proptest::prelude::any::<proptest::sample::Index>(), 0..4),
        ) {
            let stream = parts.concat();
            let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(stream.len() + 1)).collect();
            cuts.sort_unstable();
            let (mut state, mut got, mut from) = (DecodeState::new(200, true), Vec::new(), 0);
            for to in cuts.into_iter().chain([stream.len()]) {
                feed_bytes::<()>(&mut state, &stream[from..to], |data| {
                    got.push(data.to_vec());
                    Ok(())
                })
                .unwrap();
                from = to;
            }
            proptest::prop_assert_eq!(got, by_lines(&stream));
        }
    }
}
