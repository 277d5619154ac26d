//! Applying one OpenAI response object (a stream chunk or a whole body) to the record: through the
//! response's [`Template`] when the event matches it, else with the builtins' one-pass
//! [`reader`] (offering the event as the next template), else with the builtins' serde reading
//! (so the records are the builtin's in every case).

use std::time::Instant;

use aiperf_core::{EndpointError, ParsedResponse};
use aiperf_endpoints::reader::{self, Shape};

use crate::template::Template;

/// The builtin's serde reading of one response object (`ChatEndpoint::apply_serde`, ...).
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
    read.apply(at, out);
    Ok(())
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
