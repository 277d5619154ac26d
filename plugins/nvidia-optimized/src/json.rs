//! Applying one OpenAI response object (a stream chunk or a whole body) to the record: with the
//! single-pass [`reader`](crate::reader) when it reads the object with certainty, else with the
//! builtin's own reading (so the records are the builtin's in every case).

use std::time::Instant;

use aiperf_core::{EndpointError, ParsedResponse};

use crate::reader;
use crate::template::Template;

/// Where a response carries its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `choices[0].delta` (streamed) or `choices[0].message`: `content`, `reasoning_content`.
    Chat,
    /// `choices[0].text`.
    Completions,
}

/// The builtin's reading of one response object (`ChatEndpoint::apply_json`, ...).
pub(crate) type Fallback = fn(&'static str, &[u8], Instant, &mut ParsedResponse) -> Result<(), EndpointError>;

/// Parses `bytes` (one event or a whole body) and applies it to `out`, as the builtins do.
pub(crate) fn apply(
    shape: Shape,
    fallback: Fallback,
    what: &'static str,
    bytes: &[u8],
    at: Instant,
    out: &mut ParsedResponse,
) -> Result<(), EndpointError> {
    read(shape, fallback, None, what, bytes, at, out)
}

/// Applies one streamed event: through the response's [`Template`] when the event matches it,
/// else as [`apply`] does, keeping the event as the template when it may serve the next ones.
pub(crate) fn apply_event(
    shape: Shape,
    fallback: Fallback,
    template: &mut Template,
    event: &[u8],
    at: Instant,
    out: &mut ParsedResponse,
) -> Result<(), EndpointError> {
    if let Some(text) = template.text_of(event) {
        out.push_content(at, text, "");
        return Ok(());
    }
    read(shape, fallback, Some(template), "SSE event", event, at, out)
}

/// The one-pass reader's reading of `bytes` (offered to `template`), or the builtin's.
fn read(
    shape: Shape,
    fallback: Fallback,
    template: Option<&mut Template>,
    what: &'static str,
    bytes: &[u8],
    at: Instant,
    out: &mut ParsedResponse,
) -> Result<(), EndpointError> {
    let Some(read) = reader::read(bytes, shape) else {
        return apply_builtin(shape, fallback, what, bytes, at, out);
    };
    if let Some(template) = template {
        template.remember(bytes, &read);
    }
    record(read, at, out);
    Ok(())
}

fn record(read: reader::Read<'_>, at: Instant, out: &mut ParsedResponse) {
    if let Some(choice) = read.choice {
        out.push_content(at, choice.text.as_deref().unwrap_or(""), choice.reasoning.as_deref().unwrap_or(""));
        if let Some(reason) = choice.finish_reason {
            out.finish_reason = Some(reason.into_owned());
        }
    }
    if let Some(usage) = read.usage {
        out.usage = Some(usage.into());
    }
}

/// What the reader declines: the builtin's reading, with its rule for invalid UTF-8 (decoded
/// lossily, then read again; a failed reading changed nothing).
fn apply_builtin(
    shape: Shape,
    fallback: Fallback,
    what: &'static str,
    bytes: &[u8],
    at: Instant,
    out: &mut ParsedResponse,
) -> Result<(), EndpointError> {
    match fallback(what, bytes, at, out) {
        Err(_) if std::str::from_utf8(bytes).is_err() => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            apply(shape, fallback, what, text.as_bytes(), at, out)
        }
        result => result,
    }
}
