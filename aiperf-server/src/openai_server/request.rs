//! Parsing OpenAI-compatible requests as vLLM accepts them (unknown keys ignored).

use aiperf_core::Message;
use serde::Deserialize;
use serde_json::Value;

use super::ApiError;

/// A request the server understood.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiRequest {
    /// `POST /v1/chat/completions`.
    Chat(TextRequest),
    /// `POST /v1/completions`.
    Completions(TextRequest),
    /// `POST /v1/embeddings`.
    Embeddings {
        /// The model.
        model: String,
        /// The inputs.
        inputs: Vec<String>,
        /// `encoding_format: "base64"`.
        base64: bool,
    },
    /// `POST /v1/ranking` (NIM).
    Rankings {
        /// The model.
        model: String,
        /// `query.text`.
        query: String,
        /// `passages[].text`.
        passages: Vec<String>,
    },
}

/// A chat or completions request.
#[derive(Clone, Debug, PartialEq)]
pub struct TextRequest {
    /// The model (the request's, else the server's default).
    pub model: String,
    /// Completions prompt (empty for chat).
    pub prompt: String,
    /// Chat messages (empty for completions).
    pub messages: Vec<Message>,
    /// `max_tokens` / `max_completion_tokens`.
    pub max_tokens: Option<u32>,
    /// `stream`.
    pub stream: bool,
    /// Whether to send the final usage chunk (`stream_options.include_usage`).
    pub include_usage: bool,
}

#[derive(Deserialize)]
struct ChatBody {
    model: Option<String>,
    messages: Vec<ChatMessage>,
    max_tokens: Option<u32>,
    max_completion_tokens: Option<u32>,
    #[serde(default)]
    stream: Option<bool>,
    stream_options: Option<StreamOptions>,
}

#[derive(Deserialize)]
struct ChatMessage {
    role: String,
    #[serde(default)]
    content: Option<Content>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Content {
    Text(String),
    Parts(Vec<Part>),
}

#[derive(Deserialize)]
struct Part {
    text: Option<String>,
}

#[derive(Deserialize)]
struct StreamOptions {
    include_usage: Option<bool>,
}

#[derive(Deserialize)]
struct CompletionsBody {
    model: Option<String>,
    prompt: Value,
    max_tokens: Option<u32>,
    #[serde(default)]
    stream: Option<bool>,
    stream_options: Option<StreamOptions>,
}

#[derive(Deserialize)]
struct EmbeddingsBody {
    model: Option<String>,
    input: Value,
    encoding_format: Option<String>,
}

#[derive(Deserialize)]
struct RankingBody {
    model: Option<String>,
    query: TextField,
    passages: Vec<TextField>,
}

#[derive(Deserialize)]
struct TextField {
    text: String,
}

/// vLLM's completions default when `max_tokens` is absent.
const COMPLETIONS_DEFAULT_MAX_TOKENS: u32 = 16;

/// Parses a request for `path`; `default_model` fills a missing `model`.
///
/// # Errors
/// 404 for an unknown path, 400 (`BadRequestError`) for a body that does not fit the schema.
pub fn parse(path: &str, body: &[u8], default_model: &str) -> Result<ApiRequest, ApiError> {
    let path = path.split('?').next().unwrap_or(path);
    let model = |m: Option<String>| m.unwrap_or_else(|| default_model.to_owned());
    match path {
        "/v1/chat/completions" => {
            let b: ChatBody = json(body)?;
            let (stream, include_usage) = streaming(b.stream, b.stream_options)?;
            let messages = b
                .messages
                .into_iter()
                .map(|m| Message {
                    role: m.role,
                    content: match m.content {
                        None => String::new(),
                        Some(Content::Text(t)) => t,
                        Some(Content::Parts(parts)) => parts.into_iter().filter_map(|p| p.text).collect::<Vec<_>>().join("\n"),
                    },
                })
                .collect();
            Ok(ApiRequest::Chat(TextRequest {
                model: model(b.model),
                prompt: String::new(),
                messages,
                max_tokens: b.max_completion_tokens.or(b.max_tokens),
                stream,
                include_usage,
            }))
        }
        "/v1/completions" => {
            let b: CompletionsBody = json(body)?;
            let (stream, include_usage) = streaming(b.stream, b.stream_options)?;
            let prompt = texts(&b.prompt, "prompt")?.join("\n");
            Ok(ApiRequest::Completions(TextRequest {
                model: model(b.model),
                prompt,
                messages: Vec::new(),
                max_tokens: Some(b.max_tokens.unwrap_or(COMPLETIONS_DEFAULT_MAX_TOKENS)),
                stream,
                include_usage,
            }))
        }
        "/v1/embeddings" => {
            let b: EmbeddingsBody = json(body)?;
            let base64 = match b.encoding_format.as_deref() {
                None | Some("float") => false,
                Some("base64") => true,
                Some(other) => return Err(ApiError::bad_request(format!("encoding_format must be 'float' or 'base64', not '{other}'"))),
            };
            Ok(ApiRequest::Embeddings { model: model(b.model), inputs: texts(&b.input, "input")?, base64 })
        }
        "/v1/ranking" => {
            let b: RankingBody = json(body)?;
            Ok(ApiRequest::Rankings {
                model: model(b.model),
                query: b.query.text,
                passages: b.passages.into_iter().map(|p| p.text).collect(),
            })
        }
        other => Err(ApiError { status: 404, kind: "NotFoundError", message: format!("no route for POST {other}") }),
    }
}

fn json<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("invalid request body: {e}")))
}

/// `(stream, include_usage)`; vLLM rejects `stream_options` without `stream: true`.
fn streaming(stream: Option<bool>, options: Option<StreamOptions>) -> Result<(bool, bool), ApiError> {
    let stream = stream.unwrap_or(false);
    match options {
        Some(_) if !stream => Err(ApiError::bad_request("stream_options can only be set when stream is true".to_owned())),
        // vLLM's StreamOptions.include_usage defaults to true.
        Some(o) => Ok((true, o.include_usage.unwrap_or(true))),
        None => Ok((stream, false)),
    }
}

/// `string | [string] | [int] | [[int]]` as texts; token ids become space-separated numbers.
fn texts(value: &Value, field: &str) -> Result<Vec<String>, ApiError> {
    let ids = |list: &[Value]| -> Option<String> {
        list.iter().map(|v| v.as_u64().map(|n| n.to_string())).collect::<Option<Vec<_>>>().map(|v| v.join(" "))
    };
    let invalid = || ApiError::bad_request(format!("{field} must be a string, a list of strings, or token ids"));
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) if items.iter().all(Value::is_string) && !items.is_empty() => {
            Ok(items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        }
        Value::Array(items) if items.iter().all(Value::is_array) && !items.is_empty() => {
            items.iter().map(|v| v.as_array().and_then(|l| ids(l)).ok_or_else(invalid)).collect()
        }
        Value::Array(items) if !items.is_empty() => ids(items).map(|t| vec![t]).ok_or_else(invalid),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_and_completions_requests() {
        let r = parse("/v1/chat/completions", br#"{"messages":[{"role":"user","content":"Hi there"}],"max_tokens":32,"stream":true,"stream_options":{"include_usage":true},"temperature":0.2}"#, "demo").unwrap();
        let ApiRequest::Chat(t) = r else { panic!("{r:?}") };
        assert_eq!(
            (t.model.as_str(), t.max_tokens, t.stream, t.include_usage, t.messages[0].content.as_str()),
            ("demo", Some(32), true, true, "Hi there")
        );
        let r = parse("/v1/completions", br#"{"model":"m","prompt":["a","b"]}"#, "demo").unwrap();
        let ApiRequest::Completions(t) = r else { panic!("{r:?}") };
        assert_eq!((t.prompt.as_str(), t.max_tokens, t.stream), ("a\nb", Some(16), false));
        let r = parse(
            "/v1/chat/completions",
            br#"{"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"stream":true,"stream_options":{}}"#,
            "d",
        )
        .unwrap();
        assert!(matches!(r, ApiRequest::Chat(TextRequest { include_usage: true, .. })));
    }

    #[test]
    fn bad_requests_are_400_and_unknown_paths_404() {
        let err = parse("/v1/chat/completions", br#"{"model":"m"}"#, "d").unwrap_err();
        assert_eq!((err.status, err.kind), (400, "BadRequestError"));
        assert!(err.message.contains("messages"), "{}", err.message);
        let err = parse("/v1/chat/completions", br#"{"messages":[],"stream_options":{"include_usage":true}}"#, "d").unwrap_err();
        assert!(err.message.contains("stream_options"));
        assert_eq!(parse("/v2/nothing", b"{}", "d").unwrap_err().status, 404);
        assert_eq!(parse("/v1/embeddings", br#"{"input":[]}"#, "d").unwrap_err().status, 400);
        assert_eq!(parse("/v1/embeddings", br#"{"input":"x","encoding_format":"hex"}"#, "d").unwrap_err().status, 400);
    }

    #[test]
    fn embeddings_and_ranking_requests() {
        let r = parse("/v1/embeddings", br#"{"model":"e","input":[[1,2],[3]],"encoding_format":"base64"}"#, "d").unwrap();
        assert_eq!(r, ApiRequest::Embeddings { model: "e".into(), inputs: vec!["1 2".into(), "3".into()], base64: true });
        let r = parse("/v1/ranking", br#"{"query":{"text":"q"},"passages":[{"text":"a"},{"text":"b"}],"truncate":"END"}"#, "d").unwrap();
        assert_eq!(r, ApiRequest::Rankings { model: "d".into(), query: "q".into(), passages: vec!["a".into(), "b".into()] });
    }
}
