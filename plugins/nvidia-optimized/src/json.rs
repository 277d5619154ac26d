//! Applying one streamed OpenAI event to the record: through the response's [`Template`] when the
//! event matches it, else with the builtins' one-pass [`reader`] (offering the event as the next
//! template), else with the builtin's whole reading and its rule for invalid UTF-8 (so the records
//! are the builtin's in every case). A response whose template gave up is read exactly as the
//! builtin reads it.

use std::time::Instant;

use aiperf_core::{EndpointError, ParsedResponse};
use aiperf_endpoints::openai::{self, JsonResponses};
use aiperf_endpoints::reader::{self, Read, Shape};

use crate::template::Template;

/// Applies one streamed event of a response whose objects have `shape`; `builtin` is the endpoint
/// whose reading takes what the reader declines.
pub(crate) fn apply_event<J: JsonResponses>(
    builtin: &J,
    shape: Shape,
    template: &mut Template,
    event: &[u8],
    at: Instant,
    out: &mut ParsedResponse,
) -> Result<(), EndpointError> {
    if template.gave_up() {
        // A response whose chunks all differ: exactly the builtin's reading.
        return openai::apply_event(builtin, event, at, out);
    }
    if let Some(text) = template.text_of(event) {
        template.push(at, text, out);
        return Ok(());
    }
    let Some(read) = reader::read(event, shape) else {
        return openai::apply_event(builtin, event, at, out);
    };
    template.remember(event, &read);
    read.apply(at, out);
    Ok(())
}

/// What [`read_line`] found on one line of the stream: the text the template matched, or else
/// what the builtin's reader read and the event it read it from.
#[derive(Default)]
pub(crate) struct LineEvent<'a> {
    text: Option<&'a str>,
    read: Read<'a>,
    bytes: &'a [u8],
}

/// Reads the value at the start of `line` (an SSE `data:` line's value, and what follows it) into
/// `event`: through the template, or else with the builtin's reader. Returns where it ends, or
/// `None` once the template gave up (the rest of the response is the builtin's to read).
/// Nothing is counted or kept until [`apply_line`].
pub(crate) fn read_line<'a>(
    template: &Template,
    shape: Shape,
    line: &'a [u8],
    out: &ParsedResponse,
    event: &mut LineEvent<'a>,
) -> Option<usize> {
    if template.gave_up() {
        return None;
    }
    if let Some((text, end)) = template.line_text(line) {
        event.text = Some(text);
        return Some(end);
    }
    let end = reader::read_line(line, shape, out.response_id.is_none(), &mut event.read)?;
    event.bytes = &line[..end];
    Some(end)
}

/// Applies a whole event [`read_line`] read, as [`apply_event`] applies the same event: a text
/// through the template is a hit; anything else a miss of the template, offered as the next one.
pub(crate) fn apply_line(template: &mut Template, event: &LineEvent<'_>, at: Instant, out: &mut ParsedResponse) {
    match event.text {
        Some(text) => {
            template.hit();
            template.push(at, text, out);
        }
        None => {
            template.missed();
            template.remember_line(event.bytes, &event.read);
            event.read.apply(at, out);
        }
    }
}
