//! Decoding a [`JsonResponses`] endpoint's responses: stream events (whole ones read where they
//! are, the rest through the SSE framing) and whole bodies, error statuses included.

use std::time::Instant;

use aiperf_core::{DecodeState, EndpointError, ParsedResponse};

use super::{JsonResponses, error_from_body};
use crate::reader::{self, Shape};
use crate::sse;

/// [`Endpoint::decode`](aiperf_core::Endpoint::decode) for a [`JsonResponses`] endpoint.
///
/// # Errors
/// What the endpoint's JSON handling reports.
pub fn decode<J: JsonResponses>(
    json: &J,
    state: &mut DecodeState,
    at: Instant,
    bytes: &[u8],
    out: &mut ParsedResponse,
) -> Result<(), EndpointError> {
    if buffer_whole_body(state, at, bytes) {
        return Ok(());
    }
    let bytes = match J::SHAPE {
        Some(shape) => read_whole_events(shape, state, at, bytes, out),
        None => bytes,
    };
    framed_events(state, at, bytes, out, |data, out| apply_event(json, data, at, out))
}

/// The events of `bytes` through the SSE framing ([`sse::feed_bytes`]): each one's arrival, `at`,
/// is noted in `out`, `data: [DONE]` ends the stream, and `apply` applies any other event's data.
/// Shared with plugins that read events their own way.
///
/// # Errors
/// The first error `apply` returns.
pub fn framed_events(
    state: &mut DecodeState,
    at: Instant,
    bytes: &[u8],
    out: &mut ParsedResponse,
    mut apply: impl FnMut(&[u8], &mut ParsedResponse) -> Result<(), EndpointError>,
) -> Result<(), EndpointError> {
    sse::feed_bytes(state, bytes, |data| {
        out.event_times.push(at);
        if data == b"[DONE]" {
            out.done = true;
            return Ok(());
        }
        apply(data, out)
    })
}

/// Reads the events that open `bytes` whole, each one `data:` line holding a response object of
/// `shape` and a blank line (what servers send), where they are: the reader finds where each
/// line's object ends, so no search for the line's end comes first. They apply as the same
/// events through [`sse::feed_bytes`] and [`apply_event`] do. Returns the bytes after them (all
/// of `bytes` when the first is not such an event), for the SSE framing.
fn read_whole_events<'a>(shape: Shape, state: &mut DecodeState, at: Instant, bytes: &'a [u8], out: &mut ParsedResponse) -> &'a [u8] {
    let read = |line, out: &ParsedResponse, read: &mut reader::Read<'a>| reader::read_line(line, shape, out.response_id.is_none(), read);
    whole_events(state, at, bytes, out, read, |read, out| read.apply(at, out))
}

/// The events that open `bytes` whole, each one `data:` line and a blank line, read where they
/// are: `read` reads a line's value (given the bytes from the value on, and `out` as it is) into
/// a fresh `T` and says where it ends, which [`sse::one_line_event`] checks is the event's end
/// before `apply` applies what was read (so a value read whole but not ending its event changes
/// nothing). What is read stays in place, not moved (a chat `Read` is 184 bytes: a copy or two
/// per event showed in the instruction counts). Each applied event's arrival, `at`, is noted in
/// `out`. Returns the bytes after them, for [`sse::feed_bytes`]. Shared with plugins that read
/// events their own way.
pub fn whole_events<'a, T: Default>(
    state: &mut DecodeState,
    at: Instant,
    bytes: &'a [u8],
    out: &mut ParsedResponse,
    mut read: impl FnMut(&'a [u8], &ParsedResponse, &mut T) -> Option<usize>,
    mut apply: impl FnMut(&T, &mut ParsedResponse),
) -> &'a [u8] {
    if !sse::starts_event(state, bytes) {
        return bytes;
    }
    let mut rest = bytes;
    loop {
        let mut value = T::default();
        let Some(length) = sse::one_line_event(rest, |line| read(line, out, &mut value)) else { break };
        out.event_times.push(at);
        apply(&value, out);
        rest = &rest[length..];
    }
    sse::consumed(state, bytes.len() - rest.len());
    rest
}

/// Applies one SSE event's data with `json`'s reading. It is parsed as received; an event that
/// fails and is not UTF-8 is decoded lossily (WHATWG's SSE decoding) and parsed again. An event
/// that parses applies all at once, so a failure has changed nothing. (The readers check UTF-8 in
/// the strings they keep: a valid event is never validated twice.) Shared with plugins that read
/// some events their own way.
///
/// # Errors
/// As [`JsonResponses::apply`], on the event as received or decoded lossily.
pub fn apply_event<J: JsonResponses + ?Sized>(json: &J, data: &[u8], at: Instant, out: &mut ParsedResponse) -> Result<(), EndpointError> {
    match json.apply("SSE event", data, at, out) {
        Err(_) if std::str::from_utf8(data).is_err() => json.apply("SSE event", String::from_utf8_lossy(data).as_bytes(), at, out),
        result => result,
    }
}

/// Notes the arrival time, and buffers `bytes` when the response is one body (not streamed, or an
/// error status) to be parsed by [`finish`]. Returns whether it buffered them.
pub fn buffer_whole_body(state: &mut DecodeState, at: Instant, bytes: &[u8]) -> bool {
    state.last_at = Some(at);
    if state.streaming && !state.is_error_status() {
        return false;
    }
    state.received += bytes.len() as u64;
    state.buffer.extend_from_slice(bytes);
    true
}

/// [`Endpoint::finish`](aiperf_core::Endpoint::finish) for a [`JsonResponses`] endpoint.
///
/// A stream that ends cleanly is complete whether or not `data: [DONE]` came (llama.cpp's server,
/// among others, closes some streams without it; AIPerf 0.13 counts them as successes). A last
/// event without its closing blank line is applied as if it had one.
///
/// # Errors
/// [`EndpointError::Truncated`] for a stream that ended inside an event, or what the body parse
/// reports.
pub fn finish<J: JsonResponses>(json: &J, state: &mut DecodeState, out: &mut ParsedResponse) -> Result<(), EndpointError> {
    let at = state.last_at.unwrap_or_else(Instant::now);
    let result = if state.is_error_status() {
        out.event_times.push(at);
        out.error = Some(error_from_body(&state.buffer, state.status));
        out.done = true;
        Ok(())
    } else if !state.streaming {
        out.event_times.push(at);
        // Invalid UTF-8 is decoded lossily, as in streamed events (WHATWG's SSE decoding): one rule
        // for every response, kept by the plugins too.
        let body = String::from_utf8_lossy(&state.buffer);
        let result = json.apply("response body", body.as_bytes(), at, out);
        out.done = result.is_ok();
        result
    } else if !out.done {
        end_of_stream(json, state, at, out)
    } else {
        Ok(())
    };
    state.buffer.clear();
    result
}

/// The clean end of a stream that sent no `data: [DONE]`: a JSON body in place of the stream (an
/// error envelope keeps the server's message; anything else is [`EndpointError::NotAStream`]), or
/// the end of the last event, which is applied if its closing blank line is all it missed. A body
/// in which no event came at all (empty, or an HTML page) is no stream: an error quoting it.
fn end_of_stream<J: JsonResponses>(json: &J, state: &mut DecodeState, at: Instant, out: &mut ParsedResponse) -> Result<(), EndpointError> {
    let pending = state.buffer.len();
    let json_body = out.event_times.is_empty() && state.buffer.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if json_body {
        let error = serde_json::from_slice(&state.buffer).ok().and_then(|v| super::error_from_json(&v, Some(state.status)));
        let Some(error) = error else { return Err(EndpointError::NotAStream { endpoint: J::NAME }) };
        out.event_times.push(at);
        out.error = Some(error);
    } else if state.buffer.iter().any(|b| !b.is_ascii_whitespace()) {
        // The blank line the last event missed: it is dispatched if it is whole.
        framed_events(state, at, b"\n\n", out, |data, out| apply_event(json, data, at, out))
            .map_err(|_| EndpointError::Truncated { endpoint: J::NAME, pending })?;
    }
    if out.event_times.is_empty() {
        let quoted = std::mem::take(&mut state.buffer);
        return Err(EndpointError::invalid(J::NAME, "stream", "no server-sent event came before the body ended", &quoted));
    }
    out.done = true;
    Ok(())
}
