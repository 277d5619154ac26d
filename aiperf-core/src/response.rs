//! What an endpoint parses out of a server's response.

use std::time::Instant;

/// Everything parsed from one response, accumulated as its bytes arrive.
///
/// Text is kept in one buffer; [`ContentChunk`]s record where each streamed piece ends and when it
/// arrived, which is what time to first token and inter-token latency are computed from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParsedResponse {
    /// All generated text, in order.
    pub text: String,
    /// All reasoning text (`reasoning_content` / `reasoning` deltas), in order.
    pub reasoning: String,
    /// One entry per response piece that carried text or reasoning.
    pub chunks: Vec<ContentChunk>,
    /// Arrival time of every server event (SSE message or whole body), content or not.
    pub event_times: Vec<Instant>,
    /// Token usage reported by the server, the last report wins.
    pub usage: Option<Usage>,
    /// `usage.completion_tokens_details.reasoning_tokens`, from the same report as `usage`.
    pub usage_reasoning_tokens: Option<u64>,
    /// The server's own clock for this request, when it gives one (llama.cpp's `timings`); the
    /// last report wins.
    pub server_timings: Option<ServerTimings>,
    /// Why generation stopped (`stop`, `length`, ...), as the server said.
    pub finish_reason: Option<String>,
    /// Embedding vectors, sorted by index.
    pub embeddings: Vec<Embedding>,
    /// Ranking scores, in the order the server sent them (best first for NIM).
    pub rankings: Vec<Ranking>,
    /// An error the server reported, in the body or in the stream.
    pub error: Option<ServerError>,
    /// The response ended properly: a stream's end (`data: [DONE]`, or a clean end after its
    /// events), a complete body otherwise.
    pub done: bool,
    /// The id the server gave the response (OpenAI's `id`, `chatcmpl-…`), from its first object.
    pub response_id: Option<String>,
    /// The server's `x-request-id` response header, when it sent one.
    pub server_request_id: Option<String>,
}

impl ParsedResponse {
    /// An empty response with room for `events` streamed events (and their text) before its
    /// vectors grow: a stream's vectors then grow once or never instead of five times over.
    pub fn with_capacity(events: usize) -> Self {
        Self {
            text: String::with_capacity(events * 8),
            chunks: Vec::with_capacity(events),
            event_times: Vec::with_capacity(events),
            ..Self::default()
        }
    }

    /// Keeps `id` as the response's id unless one was kept already: the first object's.
    #[inline]
    pub fn keep_response_id(&mut self, id: &str) {
        if self.response_id.is_none() {
            self.response_id = Some(bounded_id(id));
        }
    }

    /// Appends a piece of text and/or reasoning that arrived at `at`; empty pieces are ignored.
    #[inline]
    pub fn push_content(&mut self, at: Instant, text: &str, reasoning: &str) {
        if text.is_empty() && reasoning.is_empty() {
            return;
        }
        self.text.push_str(text);
        self.reasoning.push_str(reasoning);
        self.chunks.push(ContentChunk { at, text_end: self.text.len(), reasoning_end: self.reasoning.len() });
    }

    /// Arrival time of the first piece of content.
    pub fn first_content_at(&self) -> Option<Instant> {
        self.chunks.first().map(|c| c.at)
    }

    /// Records one [`ResponseEvent`] that arrived at `at`: what a transport with a protocol of its
    /// own reports in place of bytes. Events that arrive together (the same `at`) are one server
    /// event in [`ParsedResponse::event_times`]. [`ResponseEvent::Finish`] and
    /// [`ResponseEvent::Error`] end the response.
    pub fn apply(&mut self, at: Instant, event: ResponseEvent<'_>) {
        if self.event_times.last() != Some(&at) {
            self.event_times.push(at);
        }
        match event {
            ResponseEvent::Content(text) => self.push_content(at, text, ""),
            ResponseEvent::Reasoning(reasoning) => self.push_content(at, "", reasoning),
            ResponseEvent::Usage(usage) => self.usage = Some(usage),
            ResponseEvent::Finish(reason) => {
                if let Some(reason) = reason {
                    self.finish_reason = Some(reason.to_owned());
                }
                self.done = true;
            }
            ResponseEvent::Error(error) => {
                self.error = Some(error);
                self.done = true;
            }
        }
    }

    /// Text of chunk `index` (empty for reasoning-only chunks).
    pub fn chunk_text(&self, index: usize) -> &str {
        let start = if index == 0 { 0 } else { self.chunks[index - 1].text_end };
        &self.text[start..self.chunks[index].text_end]
    }
}

/// What a response says, in the terms of text generation rather than of a wire format: what a
/// transport whose protocol is not the endpoint's (KServe gRPC) reports, so that nothing is
/// re-encoded only to be parsed again. See [`ParsedResponse::apply`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResponseEvent<'a> {
    /// A piece of generated text (one streamed piece, or a whole answer).
    Content(&'a str),
    /// A piece of reasoning text.
    Reasoning(&'a str),
    /// Token counts the server reported.
    Usage(Usage),
    /// Generation ended, with the reason when the server gives one (`stop`, `length`, ...): the
    /// response is complete.
    Finish(Option<&'a str>),
    /// The server reported an error: the response ends with it.
    Error(ServerError),
}

/// Where one piece of streamed content ends in [`ParsedResponse::text`] and when it arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContentChunk {
    /// When its bytes arrived.
    pub at: Instant,
    /// Byte offset in `text` just past this piece.
    pub text_end: usize,
    /// Byte offset in `reasoning` just past this piece.
    pub reasoning_end: usize,
}

/// Token counts a server reports (`usage`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// `prompt_tokens`.
    pub prompt_tokens: Option<u64>,
    /// `completion_tokens`.
    pub completion_tokens: Option<u64>,
    /// `total_tokens`.
    pub total_tokens: Option<u64>,
}

/// What a server measured of one request on its own clock: llama.cpp's `llama-server` sends a
/// `timings` object with every response (on a stream, with its last chunks).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ServerTimings {
    /// Prompt tokens the server processed (`prompt_n`: cached ones not counted).
    pub prompt_tokens: Option<u64>,
    /// Prompt tokens taken from its cache (`cache_n`).
    pub cached_tokens: Option<u64>,
    /// Time it spent on the prompt, until the first token was generated (`prompt_ms`), ms.
    pub prompt_ms: Option<f64>,
    /// Tokens it generated (`predicted_n`).
    pub predicted_tokens: Option<u64>,
    /// Time it spent generating them (`predicted_ms`), ms.
    pub predicted_ms: Option<f64>,
}

/// One embedding vector.
#[derive(Clone, Debug, PartialEq)]
pub struct Embedding {
    /// Position of the input it embeds.
    pub index: usize,
    /// The vector.
    pub vector: Vec<f32>,
}

/// One passage's score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ranking {
    /// Position of the passage in the request.
    pub index: usize,
    /// Raw score (`logit` in NIM).
    pub score: f64,
}

/// An error reported by the server, in either OpenAI/vLLM envelope (nested or flat).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerError {
    /// HTTP status, when the error came with one.
    pub status: Option<u16>,
    /// The human-readable message.
    pub message: String,
    /// `type` (e.g. `NotFoundError`), when given.
    pub kind: Option<String>,
    /// `code`, rendered as text (vLLM sends an integer, OpenAI a string).
    pub code: Option<String>,
}

/// The most characters of a server-given id a record keeps.
const MAX_ID_CHARS: usize = 256;

/// A server-given id as a record keeps it: at most [`MAX_ID_CHARS`] characters, whatever the server sent.
pub(crate) fn bounded_id(id: &str) -> String {
    // Ids are short: cut (at a character boundary) only one that may be too long.
    let end = if id.len() <= MAX_ID_CHARS { id.len() } else { id.char_indices().nth(MAX_ID_CHARS).map_or(id.len(), |(at, _)| at) };
    id[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn ids_keep_at_most_their_first_256_characters() {
        assert_eq!(bounded_id("chatcmpl-1"), "chatcmpl-1");
        let long = "é".repeat(300);
        assert_eq!(bounded_id(&long), "é".repeat(MAX_ID_CHARS));
        assert_eq!(bounded_id(&"a".repeat(256)), "a".repeat(256));
        assert_eq!(bounded_id(&format!("{}é", "a".repeat(255))), format!("{}é", "a".repeat(255)));
    }

    #[test]
    fn events_build_the_same_record_as_parsed_bytes_would() {
        let t0 = Instant::now();
        let t1 = t0 + Duration::from_millis(5);
        let mut r = ParsedResponse::default();
        r.apply(t0, ResponseEvent::Reasoning("think"));
        r.apply(t1, ResponseEvent::Content("Hello"));
        r.apply(t1, ResponseEvent::Content(""));
        assert!(!r.done, "content does not end a response");
        r.apply(t1, ResponseEvent::Usage(Usage { completion_tokens: Some(2), ..Usage::default() }));
        r.apply(t1, ResponseEvent::Finish(Some("length")));
        assert_eq!((r.text.as_str(), r.reasoning.as_str()), ("Hello", "think"));
        assert_eq!(r.chunks.len(), 2, "empty pieces are not chunks");
        assert_eq!(r.event_times, [t0, t1], "events that arrived together are one server event");
        assert_eq!((r.finish_reason.as_deref(), r.done), (Some("length"), true));
        assert_eq!(r.usage.unwrap().completion_tokens, Some(2));
        let mut failed = ParsedResponse::default();
        failed.apply(t0, ResponseEvent::Error(ServerError { message: "boom".into(), ..ServerError::default() }));
        assert!(failed.done && failed.error.is_some());
    }
}
