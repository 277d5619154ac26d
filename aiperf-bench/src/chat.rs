//! `aiperf chat`: one message at a time against a server, as the quick check before a benchmark.
//! A conversation goes through the build's `chat` endpoint and the transport the URL picks,
//! streamed, each reply shown as it arrives, and each turn measured as AIPerf 0.13's `chat`
//! measures it: time to first token, end-to-end tokens per second, inter-token latency.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use aiperf_core::{Endpoint, Factories, InferenceRequest, Message, Payload, ResponseCollector, ResponseEvent, ResponseSink, Transport};

use crate::config::{Config, Selections};
use crate::tokenizer::Tokenizer;
use crate::{BenchConfig, ProfileError};

/// What one turn measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TurnStats {
    /// From sending to the first piece of text or reasoning.
    pub ttft: Duration,
    /// From sending to the last piece.
    pub latency: Duration,
    /// Tokens of the reply's text and reasoning together (the run's tokenizer).
    pub output_tokens: u64,
    /// Of them, reasoning.
    pub reasoning_tokens: u64,
    /// `(latency − ttft) / (output_tokens − 1)`, with two tokens or more.
    pub itl: Option<Duration>,
    /// Prompt tokens, as the server counted them (its `usage`), when it said.
    pub input_tokens: Option<u64>,
}

/// A conversation with a server.
pub struct Chat<F: Factories> {
    endpoint: <F::Endpoints as aiperf_core::Category>::Instance,
    transport: <F::Transports as aiperf_core::Category>::Instance,
    path: String,
    tokenizer: Tokenizer,
    system: Option<String>,
    history: Option<Vec<Message>>,
    /// The key, headers and URL credentials, hidden from what an error says.
    secrets: crate::redact::Secrets,
}

impl<F: Factories> Chat<F> {
    /// A conversation with the server of `args` (its `--url`, `--model`, key and headers), over
    /// the build's `chat` endpoint, streamed; `system` sent first in every request, earlier turns
    /// sent again when `history`.
    ///
    /// # Errors
    /// The configuration's errors (a bad URL, no model), or a tokenizer that cannot be loaded.
    pub fn open(args: &BenchConfig, selections: &Selections<F>, system: Option<String>, history: bool) -> Result<Self, ProfileError> {
        let args = BenchConfig { endpoint_type: "chat".to_owned(), streaming: true, ..args.clone() };
        let config = Config::resolve::<F>(&args, aiperf_core::Settings::default(), selections)?;
        let endpoint = selections.endpoints.create_instance(&config.endpoint, &config.info)?;
        let transport = selections.transports.create_instance(&config.transport, &config.info)?;
        let path = config.info.custom_endpoint.clone().unwrap_or_else(|| config.endpoint_meta.path(true).to_owned());
        let tokenizer = Tokenizer::load(&config.dataset.tokenizer)?;
        Ok(Self { endpoint, transport, path, tokenizer, system, history: history.then(Vec::new), secrets: config.secrets })
    }

    /// Sends `message`, handing each piece of the reply to `shown` (its text, its reasoning) as
    /// it arrives. Kept in the history only when the turn succeeded.
    ///
    /// # Errors
    /// What went wrong, in a line: no connection, an error status (with the server's words), a
    /// stream that could not be read.
    pub async fn send(&mut self, message: &str, shown: &mut (dyn FnMut(&str, &str) + Send)) -> Result<Option<TurnStats>, String> {
        self.turn(message, shown).await.map_err(|error| self.secrets.scrub(&error).into_owned())
    }

    /// [`Chat::send`], its errors as they are.
    async fn turn(&mut self, message: &str, shown: &mut (dyn FnMut(&str, &str) + Send)) -> Result<Option<TurnStats>, String> {
        let user = Message { role: "user".to_owned(), content: message.to_owned() };
        let mut messages: Vec<Message> = self.system.iter().map(|s| Message { role: "system".to_owned(), content: s.clone() }).collect();
        messages.extend(self.history.iter().flatten().cloned());
        messages.push(user.clone());
        let request = InferenceRequest { payload: Payload::Messages(messages), max_tokens: None, model: None };
        let prepared = self.transport.request_form().prepare(&self.endpoint, &request).map_err(|e| e.to_string())?;
        let mut collector = ResponseCollector::new(&self.endpoint, true);
        let start = Instant::now();
        let timing = {
            let mut live = Live { collector: &mut collector, shown, printed: 0 };
            let request = aiperf_core::transport_request(&self.endpoint, &self.path, &prepared, None, None);
            self.transport.send(request, &mut live).await
        };
        let (response, decode_error) = collector.finish();
        let timing = timing.map_err(|e| e.to_string())?;
        if let Some(error) = response.error.as_ref() {
            return Err(format!("status {}: {}", timing.status, error.message));
        }
        if !(200..300).contains(&timing.status) {
            return Err(format!("status {}", timing.status));
        }
        if let Some(error) = decode_error {
            return Err(error.to_string());
        }
        let reply = if response.text.is_empty() { response.reasoning.clone() } else { response.text.clone() };
        if let Some(history) = &mut self.history {
            history.extend([user, Message { role: "assistant".to_owned(), content: reply }]);
        }
        let (Some(first), Some(last)) = (response.chunks.first(), response.chunks.last()) else { return Ok(None) };
        let count = |text: &str| if text.is_empty() { 0 } else { self.tokenizer.count(text) };
        let (output, reasoning) = (count(&response.text), count(&response.reasoning));
        let (ttft, latency) = (first.at.saturating_duration_since(start), last.at.saturating_duration_since(start));
        let total = output + reasoning;
        let itl = (total >= 2).then(|| latency.saturating_sub(ttft) / u32::try_from(total - 1).unwrap_or(u32::MAX));
        let input_tokens = response.usage.and_then(|u| u.prompt_tokens);
        Ok(Some(TurnStats { ttft, latency, output_tokens: total, reasoning_tokens: reasoning, itl, input_tokens }))
    }
}

/// A collector that shows each new piece of the reply as soon as it is parsed.
struct Live<'c, 'e, 's, E: Endpoint> {
    collector: &'c mut ResponseCollector<'e, E>,
    shown: &'s mut (dyn FnMut(&str, &str) + Send),
    printed: usize,
}

impl<E: Endpoint> Live<'_, '_, '_, E> {
    fn show(&mut self, flow: ControlFlow<()>) -> ControlFlow<()> {
        let response = self.collector.response();
        for index in self.printed..response.chunks.len() {
            let chunk = &response.chunks[index];
            let (text_start, reasoning_start) =
                if index == 0 { (0, 0) } else { (response.chunks[index - 1].text_end, response.chunks[index - 1].reasoning_end) };
            (self.shown)(&response.text[text_start..chunk.text_end], &response.reasoning[reasoning_start..chunk.reasoning_end]);
        }
        self.printed = response.chunks.len();
        flow
    }
}

impl<E: Endpoint> ResponseSink for Live<'_, '_, '_, E> {
    fn on_response(&mut self, status: u16, at: Instant) {
        self.collector.on_response(status, at);
    }

    fn on_chunk(&mut self, at: Instant, bytes: &[u8]) -> ControlFlow<()> {
        let flow = self.collector.on_chunk(at, bytes);
        self.show(flow)
    }

    fn on_event(&mut self, at: Instant, event: ResponseEvent<'_>) -> ControlFlow<()> {
        let flow = self.collector.on_event(at, event);
        self.show(flow)
    }
}
