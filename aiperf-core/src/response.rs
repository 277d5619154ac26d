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
    /// Why generation stopped (`stop`, `length`, ...), as the server said.
    pub finish_reason: Option<String>,
    /// Embedding vectors, sorted by index.
    pub embeddings: Vec<Embedding>,
    /// Ranking scores, in the order the server sent them (best first for NIM).
    pub rankings: Vec<Ranking>,
    /// An error the server reported, in the body or in the stream.
    pub error: Option<ServerError>,
    /// The response ended properly: `data: [DONE]` for streams, a complete body otherwise.
    pub done: bool,
}

impl ParsedResponse {
    /// Appends a piece of text and/or reasoning that arrived at `at`; empty pieces are ignored.
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

    /// Text of chunk `index` (empty for reasoning-only chunks).
    pub fn chunk_text(&self, index: usize) -> &str {
        let start = if index == 0 { 0 } else { self.chunks[index - 1].text_end };
        &self.text[start..self.chunks[index].text_end]
    }
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
