//! What a benchmark asks an endpoint to send.

/// One request to an inference server, before it is formatted for a wire format.
#[derive(Clone, Debug, PartialEq)]
pub struct InferenceRequest {
    /// What the request carries.
    pub payload: Payload,
    /// Upper bound on output tokens (`max_tokens`); `None` leaves it to the server.
    pub max_tokens: Option<u32>,
    /// Model to address instead of the first of `ModelEndpointInfo::model_names`.
    pub model: Option<String>,
}

impl InferenceRequest {
    /// A request carrying one user prompt.
    pub fn prompt(text: impl Into<String>, max_tokens: Option<u32>) -> Self {
        Self { payload: Payload::Prompt(text.into()), max_tokens, model: None }
    }
}

/// The content of a request. Each endpoint accepts the kinds that make sense for it.
#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    /// A single prompt (chat sends it as one user message).
    Prompt(String),
    /// A conversation (chat).
    Messages(Vec<Message>),
    /// Several texts at once (embeddings).
    Texts(Vec<String>),
    /// A query and the passages to rank against it (rankings).
    Ranking {
        /// The query.
        query: String,
        /// The passages, in request order.
        passages: Vec<String>,
    },
}

impl Payload {
    /// A short name of the kind, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Prompt(_) => "prompt",
            Self::Messages(_) => "messages",
            Self::Texts(_) => "texts",
            Self::Ranking { .. } => "query+passages",
        }
    }
}

/// One message of a chat conversation.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Message {
    /// `system`, `user` or `assistant`.
    pub role: String,
    /// The message text.
    pub content: String,
}

/// A request body ready to hand to a transport.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormattedRequest {
    /// The body bytes.
    pub body: Vec<u8>,
    /// Its media type.
    pub content_type: &'static str,
    /// Whether the body asks the server to stream.
    pub streaming: bool,
}
