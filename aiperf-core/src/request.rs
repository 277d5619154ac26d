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

/// A text-generation request in typed form, for transports whose protocol is not the endpoint's
/// wire format (KServe gRPC builds tensors from it): what a chat or completions body says, without
/// the JSON. [`Endpoint::text_request`](crate::Endpoint::text_request) makes it.
///
/// Serialized (for `inputs.json`) it reads as the OpenAI body it stands for.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TextRequest {
    /// The model to address.
    pub model: String,
    /// The prompt or the conversation.
    #[serde(flatten)]
    pub input: TextInput,
    /// Upper bound on output tokens; `None` leaves it to the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Whether to stream the answer.
    pub stream: bool,
    /// Sampling settings (`--extra-inputs`: `temperature`, `top_p`, `ignore_eos`, ...), as JSON values.
    #[serde(flatten)]
    pub sampling: serde_json::Map<String, serde_json::Value>,
}

/// What a [`TextRequest`] asks to continue.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum TextInput {
    /// A completions prompt.
    #[serde(rename = "prompt")]
    Prompt(String),
    /// A chat conversation.
    #[serde(rename = "messages")]
    Messages(Vec<Message>),
}

impl TextInput {
    /// The input as one text: the prompt, or the messages' contents one per line (what a model
    /// without a chat template is given).
    pub fn joined(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Self::Prompt(text) => std::borrow::Cow::Borrowed(text),
            Self::Messages(messages) => std::borrow::Cow::Owned(messages.iter().map(|m| m.content.as_str()).collect::<Vec<_>>().join("\n")),
        }
    }
}

/// One request in the form its transport carries (see [`RequestForm`](crate::RequestForm)),
/// prepared before a run so that sending it is all that is left.
#[derive(Clone, Debug, PartialEq)]
pub enum PreparedRequest {
    /// The endpoint's encoded body (HTTP and the in-process engine carry it).
    Encoded(FormattedRequest),
    /// The typed text request (KServe gRPC carries it).
    Text(TextRequest),
}

impl From<FormattedRequest> for PreparedRequest {
    fn from(formatted: FormattedRequest) -> Self {
        Self::Encoded(formatted)
    }
}

impl From<TextRequest> for PreparedRequest {
    fn from(text: TextRequest) -> Self {
        Self::Text(text)
    }
}

impl PreparedRequest {
    /// Whether the request asks the server to stream.
    pub fn streaming(&self) -> bool {
        match self {
            Self::Encoded(formatted) => formatted.streaming,
            Self::Text(text) => text.stream,
        }
    }

    /// The body as a transport takes it.
    pub fn body(&self) -> crate::RequestBody<'_> {
        match self {
            Self::Encoded(formatted) => crate::RequestBody::Encoded { bytes: &formatted.body, content_type: formatted.content_type },
            Self::Text(text) => crate::RequestBody::Text(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_request_serializes_as_the_openai_body_it_stands_for() {
        let mut sampling = serde_json::Map::new();
        sampling.insert("temperature".into(), 0.5.into());
        let chat = TextRequest {
            model: "m".into(),
            input: TextInput::Messages(vec![Message { role: "user".into(), content: "hi".into() }]),
            max_tokens: Some(8),
            stream: true,
            sampling,
        };
        assert_eq!(
            serde_json::to_string(&chat).unwrap(),
            r#"{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":8,"stream":true,"temperature":0.5}"#
        );
        let completions = TextRequest { input: TextInput::Prompt("p".into()), max_tokens: None, stream: false, ..chat };
        assert_eq!(serde_json::to_string(&completions).unwrap(), r#"{"model":"m","prompt":"p","stream":false,"temperature":0.5}"#);
        assert_eq!(TextInput::Messages(vec![Message { role: "a".into(), content: "x".into() }; 2]).joined(), "x\nx");
    }
}
