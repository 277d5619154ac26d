//! What a request sends: dataset entries formatted before the run, or trace rows formatted as each
//! is sent (their prompts are built then, so a long trace never holds its prompts).

use std::sync::Arc;

use aiperf_core::{Endpoint, EndpointError, FormattedRequest, InferenceRequest, InputKind, Payload, PreparedRequest, RequestForm};

use super::dataset::blocks::Synthesizer;
use super::dataset::conversation::Conversations;
use super::dataset::mooncake::{Input, Row, Trace};
use super::inputs::{payload_tokens, shaped};
use super::tokenizer::Tokenizer;

/// One dataset entry, ready to send: its request in the transport's form (the payload itself is
/// not kept) and its length.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// Input tokens, measured with the run's tokenizer.
    pub input_tokens: u64,
    /// The request, encoded or typed.
    pub request: PreparedRequest,
    /// The `max_tokens` it asks for.
    pub max_tokens: Option<u32>,
}

/// The run's inputs.
pub enum Inputs {
    /// Every entry formatted before the run.
    Prepared(Vec<Prepared>),
    /// Trace rows, formatted when sent.
    Trace(TraceInputs),
    /// Sessions, each turn formatted when sent (it may carry the replies before it).
    Sessions(SessionInputs),
}

/// A request ready to go: an entry formatted before the run, or one just built.
pub enum Ready {
    /// Entry `i` of [`Inputs::Prepared`].
    Entry(usize),
    /// Built for this request.
    Built(Prepared),
}

impl Inputs {
    /// Entries or rows.
    pub fn len(&self) -> usize {
        match self {
            Self::Prepared(entries) => entries.len(),
            Self::Trace(trace) => trace.trace.rows.len(),
            Self::Sessions(sessions) => sessions.conversations.list.len(),
        }
    }

    /// Entry `conversation`, ready to send: a trace row's prompt is built and formatted here; a
    /// session's first turn is.
    ///
    /// # Errors
    /// The endpoint's, when it cannot format the row.
    pub fn ready<E: Endpoint>(&self, conversation: usize, endpoint: &E, form: RequestForm) -> Result<Ready, EndpointError> {
        match self {
            Self::Prepared(_) => Ok(Ready::Entry(conversation)),
            Self::Trace(trace) => trace.build(&trace.trace.rows[conversation], endpoint, form).map(Ready::Built),
            Self::Sessions(sessions) => sessions.build(conversation, 0, &[], endpoint, form).map(Ready::Built),
        }
    }

    /// What `ready` holds.
    pub fn get<'a>(&'a self, ready: &'a Ready) -> &'a Prepared {
        match (self, ready) {
            (_, Ready::Built(prepared)) => prepared,
            (Self::Prepared(entries), Ready::Entry(i)) => &entries[*i],
            (Self::Trace(_) | Self::Sessions(_), Ready::Entry(_)) => {
                unreachable!("trace rows and turns are built, never prepared before the run")
            }
        }
    }
}

/// A trace and what its rows' requests are built with.
pub struct TraceInputs {
    /// The rows.
    pub trace: Trace,
    /// Builds the prompts of `input_length` rows.
    pub synthesizer: Synthesizer,
    /// What the endpoint takes: a prompt, messages, texts.
    pub input: InputKind,
    /// `--osl`, for rows without an `output_length`.
    pub default_max_tokens: Option<u32>,
    /// The run's tokenizer.
    pub tokenizer: Arc<Tokenizer>,
}

impl TraceInputs {
    /// Row `row`'s request in the transport's `form`, and its input length.
    ///
    /// # Errors
    /// The endpoint's, when it cannot format the row; [`EndpointError::NoTextForm`] for a
    /// `payload` row on a transport that does not carry request bodies.
    pub fn build<E: Endpoint>(&self, row: &Row, endpoint: &E, form: RequestForm) -> Result<Prepared, EndpointError> {
        let payload = match &row.input {
            Input::Synthetic { input_length, blocks } => {
                let ids = self.trace.hash_ids(blocks);
                shaped(self.input, self.synthesizer.text(&self.tokenizer, *input_length, &ids, u64::from(row.line)))
            }
            Input::Text(text) => shaped(self.input, text.to_string()),
            Input::Messages(messages) => Payload::Messages(messages.to_vec()),
            Input::Payload(body, streaming) => return self.verbatim(body, *streaming, form),
        };
        let input_tokens = payload_tokens(&payload, &self.tokenizer);
        let max_tokens = row.max_tokens.or(self.default_max_tokens);
        let request = InferenceRequest { payload, max_tokens, model: None };
        Ok(Prepared { input_tokens, request: form.prepare(endpoint, &request)?, max_tokens })
    }

    /// A `payload` row: its body as it is; its input length is that of its `prompt` or its
    /// messages' contents.
    fn verbatim(&self, body: &str, streaming: bool, form: RequestForm) -> Result<Prepared, EndpointError> {
        if form != RequestForm::Encoded {
            return Err(EndpointError::NoTextForm);
        }
        let value: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        let mut input_tokens = value.get("prompt").and_then(|p| p.as_str()).map_or(0, |p| self.tokenizer.count(p));
        for message in value.get("messages").and_then(|m| m.as_array()).into_iter().flatten() {
            input_tokens += message.get("content").and_then(|c| c.as_str()).map_or(0, |c| self.tokenizer.count(c));
        }
        let formatted = FormattedRequest { body: body.as_bytes().to_vec(), content_type: "application/json", streaming };
        let max_tokens = ["max_tokens", "max_completion_tokens"].iter().find_map(|key| value.get(*key)?.as_u64());
        let max_tokens = max_tokens.and_then(|m| u32::try_from(m).ok());
        Ok(Prepared { input_tokens, request: PreparedRequest::Encoded(formatted), max_tokens })
    }
}

/// Sessions and what their turns' requests are built with.
pub struct SessionInputs {
    /// The sessions.
    pub conversations: Conversations,
    /// What the endpoint takes: a conversation so far becomes one prompt for a prompt endpoint.
    pub input: InputKind,
    /// The run's tokenizer.
    pub tokenizer: Arc<Tokenizer>,
}

impl SessionInputs {
    /// Turn `turn` of session `conversation` in the transport's `form`, with `replies` (one per
    /// earlier turn) when the sessions carry their history.
    ///
    /// # Errors
    /// The endpoint's, when it cannot format the turn.
    pub fn build<E: Endpoint>(
        &self,
        conversation: usize,
        turn: usize,
        replies: &[Option<String>],
        endpoint: &E,
        form: RequestForm,
    ) -> Result<Prepared, EndpointError> {
        let session = &self.conversations.list[conversation];
        let payload = match session.payload(turn, self.conversations.history, replies) {
            // A prompt endpoint (completions) gets the conversation as one text.
            Payload::Messages(messages) if self.input == InputKind::Prompt => {
                Payload::Prompt(messages.iter().map(|m| m.content.as_str()).collect::<Vec<_>>().join("\n"))
            }
            payload => payload,
        };
        let input_tokens = payload_tokens(&payload, &self.tokenizer);
        let max_tokens = session.turns[turn].max_tokens;
        let request = InferenceRequest { payload, max_tokens, model: None };
        Ok(Prepared { input_tokens, request: form.prepare(endpoint, &request)?, max_tokens })
    }
}
