//! Applying one streamed OpenAI event to the record: through the response's [`Template`] when the
//! event matches it, else with the builtins' one-pass [`reader`] (offering the event as the next
//! template), else with the builtin's whole reading and its rule for invalid UTF-8 (so the records
//! are the builtin's in every case). A response whose template gave up is read exactly as the
//! builtin reads it.

use std::time::Instant;

use aiperf_core::{EndpointError, ParsedResponse};
use aiperf_endpoints::openai::{self, JsonResponses};
use aiperf_endpoints::reader::{self, Shape};

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
        out.push_content(at, text, "");
        return Ok(());
    }
    let Some(read) = reader::read(event, shape) else {
        return openai::apply_event(builtin, event, at, out);
    };
    template.remember(event, &read);
    read.apply(at, out);
    Ok(())
}
