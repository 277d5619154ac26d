//! Hugging Face text-generation-inference's native API, `POST /generate`, `POST /generate_stream`
//! and the compatibility route `POST /` (`"stream": true|false` in the body; what TGI's Python
//! client calls), with the bytes TGI ≥ 2.3 sends (router `server.rs`, `lib.rs`):
//! `data: <json>\n\n` events without `[DONE]`, the last carrying `generated_text` and `details`;
//! errors as `{"error","error_type"}` (422/424 for whole responses; in-band, after a 200, for streams).

use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use super::{EVENT_STREAM, JSON, Writer};
use crate::{Engine, GenerateOutput, GenerateRequest, Piece};

/// A route of TGI's native API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `POST /generate`: one JSON body.
    Generate,
    /// `POST /generate_stream`: server-sent events.
    GenerateStream,
    /// `POST /`: the body's `stream` chooses; a whole response is a one-element array.
    Compat,
}

/// The TGI route of `path`, if it is one.
pub fn route(path: &str) -> Option<Route> {
    match path.split('?').next().unwrap_or(path) {
        "/generate" => Some(Route::Generate),
        "/generate_stream" => Some(Route::GenerateStream),
        "/" => Some(Route::Compat),
        _ => None,
    }
}

#[derive(Debug, Deserialize)]
struct Body {
    inputs: String,
    #[serde(default)]
    parameters: Parameters,
    /// Read on the compatibility route only (TGI ignores it elsewhere).
    #[serde(default)]
    stream: bool,
}

#[derive(Debug, Default, Deserialize)]
struct Parameters {
    max_new_tokens: Option<u32>,
    #[serde(default)]
    details: bool,
    #[serde(default)]
    decoder_input_details: bool,
}

#[derive(Serialize)]
struct Token<'a> {
    id: u32,
    text: &'a str,
    logprob: f32,
    special: bool,
}

impl<'a> Token<'a> {
    /// A stable id and log-probability for a piece of text (the simulated engine has no vocabulary ids).
    fn of(text: &'a str) -> Self {
        let hash = text.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
        Self { id: hash % 32_000 + 3, text, logprob: -((hash % 1000) as f32) / 1000.0, special: false }
    }
}

#[derive(Serialize)]
struct StreamResponse<'a> {
    index: u32,
    token: Token<'a>,
    generated_text: Option<&'a str>,
    details: Option<StreamDetails>,
}

#[derive(Serialize)]
struct StreamDetails {
    finish_reason: &'static str,
    generated_tokens: u64,
    seed: Option<u64>,
    input_length: u64,
}

#[derive(Serialize)]
struct GenerateResponse<'a> {
    generated_text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<Details<'a>>,
}

#[derive(Serialize)]
struct Details<'a> {
    finish_reason: &'static str,
    generated_tokens: u64,
    seed: Option<u64>,
    prefill: [(); 0],
    tokens: Vec<Token<'a>>,
}

#[derive(Serialize)]
struct ErrorResponse<'a> {
    error: &'a str,
    error_type: &'a str,
}

/// TGI's finish reasons: `length`, `eos_token` (the engine's `stop`), `stop_sequence`.
fn finish_reason(output: &GenerateOutput) -> &'static str {
    match output.finish_reason {
        "stop" => "eos_token",
        _ => "length",
    }
}

/// Serves one TGI request; errors go out as TGI sends them.
pub(super) async fn serve(engine: &dyn Engine, route: Route, body: &[u8], model: &str, w: &mut Writer<'_>) {
    let request = match parse(body) {
        Ok(request) => request,
        Err(message) => return error(w, route == Route::GenerateStream, 422, &message, "validation"),
    };
    let stream = match route {
        Route::Generate => false,
        Route::GenerateStream => true,
        Route::Compat => request.stream,
    };
    let generate = GenerateRequest {
        model: model.to_owned(),
        prompt: request.inputs,
        messages: Vec::new(),
        max_tokens: request.parameters.max_new_tokens,
    };
    if stream {
        streamed(engine, &generate, request.parameters.details, w).await;
    } else {
        let details = request.parameters.details || request.parameters.decoder_input_details;
        whole(engine, &generate, details, route == Route::Compat, w).await;
    }
}

fn parse(body: &[u8]) -> Result<Body, String> {
    let body: Body = serde_json::from_slice(body).map_err(|e| format!("Failed to deserialize the JSON body into the target type: {e}"))?;
    if body.inputs.is_empty() {
        return Err("Input validation error: `inputs` cannot be empty".to_owned());
    }
    if body.parameters.max_new_tokens == Some(0) {
        return Err("Input validation error: `max_new_tokens` must be strictly positive".to_owned());
    }
    Ok(body)
}

fn error(w: &mut Writer<'_>, stream: bool, status: u16, message: &str, kind: &str) {
    let json = serde_json::to_vec(&ErrorResponse { error: message, error_type: kind }).expect("plain struct");
    if stream {
        w.start(200, EVENT_STREAM);
        let _ = w.write(&event(&json));
    } else {
        w.start(status, JSON);
        let _ = w.write(&json);
    }
}

fn event(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len() + 8);
    out.extend_from_slice(b"data: ");
    out.extend_from_slice(json);
    out.extend_from_slice(b"\n\n");
    out
}

/// A whole response; `array` wraps it in a one-element array, as the compatibility route does.
async fn whole(engine: &dyn Engine, request: &GenerateRequest, details: bool, array: bool, w: &mut Writer<'_>) {
    let mut pieces: Vec<String> = Vec::new();
    let (out, collected) = (&mut *w.out, &mut pieces);
    let mut collect = move |piece: Piece<'_>| {
        collected.push(piece.text.to_owned());
        if out.is_closed() { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    };
    match engine.generate(request, &mut collect).await {
        Ok(output) => {
            let text: String = pieces.concat();
            let details = details.then(|| Details {
                finish_reason: finish_reason(&output),
                generated_tokens: output.completion_tokens,
                seed: None,
                prefill: [],
                tokens: pieces.iter().map(|p| Token::of(p)).collect(),
            });
            let response = GenerateResponse { generated_text: &text, details };
            let body = if array { serde_json::to_vec(&[response]) } else { serde_json::to_vec(&response) };
            w.start(200, JSON);
            let _ = w.write(&body.expect("plain struct"));
        }
        Err(e) if e.status < 500 => error(w, false, 422, &format!("Input validation error: {}", e.message), "validation"),
        Err(e) => error(w, false, 424, &format!("Request failed during generation: {}", e.message), "generation"),
    }
}

async fn streamed(engine: &dyn Engine, request: &GenerateRequest, details: bool, w: &mut Writer<'_>) {
    w.start(200, EVENT_STREAM);
    let input_length = crate::count_tokens(&request.prompt);
    let (mut index, mut text, mut json) = (0_u32, String::new(), Vec::with_capacity(256));
    let result = {
        let mut send = |piece: Piece<'_>| {
            index += 1;
            text.push_str(piece.text);
            let last = piece.last;
            let response = StreamResponse {
                index,
                token: Token::of(piece.text),
                generated_text: last.then_some(text.as_str()),
                // The simulated engine stops at its length; an engine stopping at EOS would say so.
                details: (last && details).then_some(StreamDetails {
                    finish_reason: "length",
                    generated_tokens: u64::from(index),
                    seed: None,
                    input_length,
                }),
            };
            json.clear();
            serde_json::to_writer(&mut json, &response).expect("plain struct");
            w.write(&event(&json))
        };
        engine.generate(request, &mut send).await
    };
    if let Err(e) = result {
        let json = serde_json::to_vec(&ErrorResponse {
            error: &format!("Request failed during generation: {}", e.message),
            error_type: "generation",
        })
        .expect("plain struct");
        let _ = w.write(&event(&json));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_and_bodies_have_tgis_bytes() {
        let response = StreamResponse {
            index: 1,
            token: Token { id: 13, text: "\n", logprob: -0.528_320_3, special: false },
            generated_text: None,
            details: None,
        };
        assert_eq!(
            String::from_utf8(event(&serde_json::to_vec(&response).unwrap())).unwrap(),
            "data: {\"index\":1,\"token\":{\"id\":13,\"text\":\"\\n\",\"logprob\":-0.5283203,\"special\":false},\"generated_text\":null,\"details\":null}\n\n"
        );
        let details = StreamDetails { finish_reason: "length", generated_tokens: 20, seed: None, input_length: 14 };
        assert_eq!(
            serde_json::to_string(&details).unwrap(),
            r#"{"finish_reason":"length","generated_tokens":20,"seed":null,"input_length":14}"#
        );
        let body = GenerateResponse { generated_text: "Paris", details: None };
        assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"generated_text":"Paris"}"#);
        assert!(parse(br#"{"inputs":"x","parameters":{"max_new_tokens":0}}"#).unwrap_err().contains("must be strictly positive"));
        assert!(parse(br#"{"parameters":{}}"#).unwrap_err().contains("missing field `inputs`"));
        assert_eq!(route("/generate_stream"), Some(Route::GenerateStream));
        assert_eq!(route("/generate"), Some(Route::Generate));
        assert_eq!(route("/"), Some(Route::Compat));
        assert_eq!(route("/v1/completions"), None);
        assert!(parse(br#"{"inputs":"x","stream":true}"#).unwrap().stream);
    }

    struct Capture {
        status: u16,
        body: Vec<u8>,
    }

    impl super::super::ResponseWriter for Capture {
        fn start(&mut self, status: u16, _content_type: &'static str) {
            self.status = status;
        }

        fn write(&mut self, bytes: &[u8]) -> ControlFlow<()> {
            self.body.extend_from_slice(bytes);
            ControlFlow::Continue(())
        }
    }

    async fn post(path: &str, body: &str) -> (u16, String) {
        let settings = crate::InEngineSettings {
            time_to_first_token: std::time::Duration::from_millis(1),
            inter_token_latency: std::time::Duration::ZERO,
            output_tokens: 3,
            seed: 1,
        };
        let engine = crate::SimulatedEngine::new(settings);
        let mut capture = Capture { status: 0, body: Vec::new() };
        super::super::serve(&engine, path, body.as_bytes(), "m", &mut capture).await;
        (capture.status, String::from_utf8(capture.body).unwrap())
    }

    #[tokio::test(start_paused = true)]
    async fn every_route_answers_as_tgi_does() {
        let request = r#"{"inputs":"hi there","parameters":{"max_new_tokens":2,"details":true}}"#;
        let (status, body) = post("/generate", request).await;
        assert_eq!(status, 200);
        assert!(body.starts_with(r#"{"generated_text":""#) && body.contains(r#""finish_reason":"length","generated_tokens":2"#), "{body}");
        let (status, body) = post("/generate_stream", request).await;
        let events: Vec<&str> = body.split_terminator("\n\n").collect();
        assert_eq!((status, events.len()), (200, 2), "{body}");
        assert!(
            events[0].starts_with(r#"data: {"index":1,"token":{"id":"#) && events[0].ends_with(r#""generated_text":null,"details":null}"#)
        );
        assert!(events[1].contains(r#""details":{"finish_reason":"length","generated_tokens":2,"seed":null,"input_length":2}"#), "{body}");
        let (_, body) = post("/", request).await;
        assert!(body.starts_with(r#"[{"generated_text":""#) && body.ends_with("]"), "the compatibility route answers an array: {body}");
        let (_, body) = post("/", &request.replace("\"inputs\"", "\"stream\":true,\"inputs\"")).await;
        assert!(body.starts_with("data: {\"index\":1"), "{body}");
        let (status, body) = post("/generate_stream", r#"{"inputs":""}"#).await;
        assert_eq!(
            (status, body.as_str()),
            (200, "data: {\"error\":\"Input validation error: `inputs` cannot be empty\",\"error_type\":\"validation\"}\n\n")
        );
        let (status, _) = post("/generate", r#"{"inputs":""}"#).await;
        assert_eq!(status, 422);
    }
}
