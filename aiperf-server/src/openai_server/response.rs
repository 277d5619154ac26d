//! vLLM's response bytes: the key order and null/absent conventions of its serializers.

use serde::Serialize;

/// `usage` in vLLM's key order (prompt, total, completion).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct UsageOut {
    /// `prompt_tokens`.
    pub prompt_tokens: u64,
    /// `total_tokens`.
    pub total_tokens: u64,
    /// `completion_tokens`.
    pub completion_tokens: u64,
}

impl UsageOut {
    /// Usage of a request with these counts.
    pub fn new(prompt_tokens: u64, completion_tokens: u64) -> Self {
        Self { prompt_tokens, total_tokens: prompt_tokens + completion_tokens, completion_tokens }
    }
}

/// What identifies one response in all its chunks.
#[derive(Clone, Copy, Debug)]
pub struct Head<'a> {
    /// `id` (`chatcmpl-…`, `cmpl-…`).
    pub id: &'a str,
    /// `created` (Unix seconds).
    pub created: u64,
    /// `model`.
    pub model: &'a str,
}

#[derive(Serialize)]
struct Chunk<'a, C> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    choices: &'a [C],
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<UsageOut>,
}

#[derive(Serialize)]
struct ChatDelta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    content: &'a str,
}

#[derive(Serialize)]
struct ChatChunkChoice<'a> {
    index: u32,
    delta: ChatDelta<'a>,
    logprobs: Option<()>,
    finish_reason: Option<&'a str>,
    /// Present (as null) only on the finishing chunk.
    #[serde(skip_serializing_if = "Option::is_none")]
    stop_reason: Option<Option<()>>,
}

#[derive(Serialize)]
struct CompletionChoice<'a> {
    index: u32,
    text: &'a str,
    logprobs: Option<()>,
    finish_reason: Option<&'a str>,
    stop_reason: Option<()>,
}

/// `data: <json>\n\n`.
fn event(out: &mut Vec<u8>, value: &impl Serialize) {
    out.extend_from_slice(b"data: ");
    serde_json::to_writer(&mut *out, value).expect("serializing plain structs into a Vec cannot fail");
    out.extend_from_slice(b"\n\n");
}

/// The end of every stream.
pub const DONE: &[u8] = b"data: [DONE]\n\n";

/// A chat stream chunk: the role chunk (`role` set, empty content), a text piece, or the
/// finishing chunk (`finish_reason` set, with `stop_reason: null`).
pub fn chat_chunk(out: &mut Vec<u8>, head: Head<'_>, role: bool, content: &str, finish_reason: Option<&str>) {
    let choice = ChatChunkChoice {
        index: 0,
        delta: ChatDelta { role: role.then_some("assistant"), content },
        logprobs: None,
        finish_reason,
        stop_reason: finish_reason.map(|_| None),
    };
    event(
        out,
        &Chunk { id: head.id, object: "chat.completion.chunk", created: head.created, model: head.model, choices: &[choice], usage: None },
    );
}

/// A completions stream chunk (`stop_reason` on every chunk).
pub fn completion_chunk(out: &mut Vec<u8>, head: Head<'_>, text: &str, finish_reason: Option<&str>) {
    let choice = CompletionChoice { index: 0, text, logprobs: None, finish_reason, stop_reason: None };
    event(
        out,
        &Chunk { id: head.id, object: "text_completion", created: head.created, model: head.model, choices: &[choice], usage: None },
    );
}

/// The usage chunk after the finishing chunk: `choices: []`.
pub fn usage_chunk(out: &mut Vec<u8>, head: Head<'_>, object: &'static str, usage: UsageOut) {
    let none: &[CompletionChoice<'_>] = &[];
    event(out, &Chunk { id: head.id, object, created: head.created, model: head.model, choices: none, usage: Some(usage) });
}

#[derive(Serialize)]
struct Body<'a, C> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    choices: [C; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    service_tier: Option<Option<()>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    system_fingerprint: Option<Option<()>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<FullUsage>,
}

#[derive(Serialize)]
struct FullUsage {
    #[serde(flatten)]
    usage: UsageOut,
    prompt_tokens_details: Option<()>,
}

#[derive(Serialize)]
struct ChatMessageOut<'a> {
    role: &'static str,
    content: &'a str,
    refusal: Option<()>,
    tool_calls: [(); 0],
}

#[derive(Serialize)]
struct ChatBodyChoice<'a> {
    index: u32,
    message: ChatMessageOut<'a>,
    logprobs: Option<()>,
    finish_reason: &'a str,
    stop_reason: Option<()>,
}

#[derive(Serialize)]
struct CompletionBodyChoice<'a> {
    index: u32,
    text: &'a str,
    logprobs: Option<()>,
    finish_reason: &'a str,
    stop_reason: Option<()>,
    prompt_logprobs: Option<()>,
}

/// A whole (non-streamed) chat completion; `usage` is omitted when unknown.
pub fn chat_body(head: Head<'_>, content: &str, finish_reason: &str, usage: Option<UsageOut>) -> Vec<u8> {
    let choice = ChatBodyChoice {
        index: 0,
        message: ChatMessageOut { role: "assistant", content, refusal: None, tool_calls: [] },
        logprobs: None,
        finish_reason,
        stop_reason: None,
    };
    to_vec(&Body {
        id: head.id,
        object: "chat.completion",
        created: head.created,
        model: head.model,
        choices: [choice],
        service_tier: Some(None),
        system_fingerprint: Some(None),
        usage: usage.map(|usage| FullUsage { usage, prompt_tokens_details: None }),
    })
}

/// A whole (non-streamed) text completion; `usage` is omitted when unknown.
pub fn completion_body(head: Head<'_>, text: &str, finish_reason: &str, usage: Option<UsageOut>) -> Vec<u8> {
    let choice = CompletionBodyChoice { index: 0, text, logprobs: None, finish_reason, stop_reason: None, prompt_logprobs: None };
    to_vec(&Body {
        id: head.id,
        object: "text_completion",
        created: head.created,
        model: head.model,
        choices: [choice],
        service_tier: None,
        system_fingerprint: None,
        usage: usage.map(|usage| FullUsage { usage, prompt_tokens_details: None }),
    })
}

#[derive(Serialize)]
struct EmbeddingItem<V> {
    index: usize,
    object: &'static str,
    embedding: V,
}

#[derive(Serialize)]
struct EmbeddingsBody<'a, V> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    data: Vec<EmbeddingItem<V>>,
    usage: FullUsage,
}

/// An embeddings response; `base64` writes little-endian float32 in standard base64.
pub fn embeddings_body(head: Head<'_>, vectors: &[Vec<f32>], base64: bool, prompt_tokens: u64) -> Vec<u8> {
    use base64::Engine as _;
    let usage = FullUsage { usage: UsageOut::new(prompt_tokens, 0), prompt_tokens_details: None };
    if base64 {
        let data = vectors
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                EmbeddingItem { index: i, object: "embedding", embedding: base64::engine::general_purpose::STANDARD.encode(bytes) }
            })
            .collect();
        to_vec(&EmbeddingsBody { id: head.id, object: "list", created: head.created, model: head.model, data, usage })
    } else {
        let data =
            vectors.iter().enumerate().map(|(i, v)| EmbeddingItem { index: i, object: "embedding", embedding: v.as_slice() }).collect();
        to_vec(&EmbeddingsBody { id: head.id, object: "list", created: head.created, model: head.model, data, usage })
    }
}

#[derive(Serialize)]
struct RankingItem {
    index: usize,
    logit: f64,
}

#[derive(Serialize)]
struct RankingUsage {
    prompt_tokens: u64,
    total_tokens: u64,
}

#[derive(Serialize)]
struct RankingsBody {
    rankings: Vec<RankingItem>,
    usage: RankingUsage,
}

/// A NIM ranking response: one entry per passage, best `logit` first.
pub fn rankings_body(scores: &[f64], prompt_tokens: u64) -> Vec<u8> {
    let mut rankings: Vec<RankingItem> = scores.iter().enumerate().map(|(index, &logit)| RankingItem { index, logit }).collect();
    rankings.sort_by(|a, b| b.logit.total_cmp(&a.logit));
    to_vec(&RankingsBody { rankings, usage: RankingUsage { prompt_tokens, total_tokens: prompt_tokens } })
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorInner<'a>,
}

#[derive(Serialize)]
struct ErrorInner<'a> {
    message: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    param: Option<()>,
    code: u16,
}

/// vLLM's nested error envelope (`code` is the HTTP status, an integer).
pub fn error_body(status: u16, kind: &str, message: &str) -> Vec<u8> {
    to_vec(&ErrorBody { error: ErrorInner { message, kind, param: None, code: status } })
}

/// An error sent in-band after a stream started: `data: {"error":…}` (then `[DONE]`).
pub fn error_event(out: &mut Vec<u8>, status: u16, kind: &str, message: &str) {
    event(out, &ErrorBody { error: ErrorInner { message, kind, param: None, code: status } });
}

fn to_vec(value: &impl Serialize) -> Vec<u8> {
    serde_json::to_vec(value).expect("serializing plain structs cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: Head<'static> = Head { id: "chatcmpl-5d1e", created: 1_718_000_000, model: "demo" };

    fn text(bytes: &[u8]) -> &str {
        std::str::from_utf8(bytes).unwrap()
    }

    #[test]
    fn chat_stream_bytes_match_vllm() {
        let mut out = Vec::new();
        chat_chunk(&mut out, HEAD, true, "", None);
        chat_chunk(&mut out, HEAD, false, "Hel", None);
        chat_chunk(&mut out, HEAD, false, "lo!", Some("stop"));
        usage_chunk(&mut out, HEAD, "chat.completion.chunk", UsageOut::new(7, 3));
        out.extend_from_slice(DONE);
        let expected = concat!(
            r#"data: {"id":"chatcmpl-5d1e","object":"chat.completion.chunk","created":1718000000,"model":"demo","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}"#,
            "\n\n",
            r#"data: {"id":"chatcmpl-5d1e","object":"chat.completion.chunk","created":1718000000,"model":"demo","choices":[{"index":0,"delta":{"content":"Hel"},"logprobs":null,"finish_reason":null}]}"#,
            "\n\n",
            r#"data: {"id":"chatcmpl-5d1e","object":"chat.completion.chunk","created":1718000000,"model":"demo","choices":[{"index":0,"delta":{"content":"lo!"},"logprobs":null,"finish_reason":"stop","stop_reason":null}]}"#,
            "\n\n",
            r#"data: {"id":"chatcmpl-5d1e","object":"chat.completion.chunk","created":1718000000,"model":"demo","choices":[],"usage":{"prompt_tokens":7,"total_tokens":10,"completion_tokens":3}}"#,
            "\n\n",
            "data: [DONE]\n\n",
        );
        assert_eq!(text(&out), expected);
    }

    #[test]
    fn bodies_match_vllm() {
        assert_eq!(
            text(&chat_body(HEAD, "Hello!", "stop", Some(UsageOut::new(7, 3)))),
            r#"{"id":"chatcmpl-5d1e","object":"chat.completion","created":1718000000,"model":"demo","choices":[{"index":0,"message":{"role":"assistant","content":"Hello!","refusal":null,"tool_calls":[]},"logprobs":null,"finish_reason":"stop","stop_reason":null}],"service_tier":null,"system_fingerprint":null,"usage":{"prompt_tokens":7,"total_tokens":10,"completion_tokens":3,"prompt_tokens_details":null}}"#
        );
        let mut out = Vec::new();
        completion_chunk(&mut out, Head { id: "cmpl-91c2", ..HEAD }, " Hi", None);
        assert_eq!(
            text(&out),
            "data: {\"id\":\"cmpl-91c2\",\"object\":\"text_completion\",\"created\":1718000000,\"model\":\"demo\",\"choices\":[{\"index\":0,\"text\":\" Hi\",\"logprobs\":null,\"finish_reason\":null,\"stop_reason\":null}]}\n\n"
        );
        let emb = embeddings_body(Head { id: "embd-3c0f", model: "emb", ..HEAD }, &[vec![1.0, -2.0]], true, 4);
        assert_eq!(
            text(&emb),
            r#"{"id":"embd-3c0f","object":"list","created":1718000000,"model":"emb","data":[{"index":0,"object":"embedding","embedding":"AACAPwAAAMA="}],"usage":{"prompt_tokens":4,"total_tokens":4,"completion_tokens":0,"prompt_tokens_details":null}}"#
        );
        assert_eq!(
            text(&rankings_body(&[-1.5, 2.71875, -9.25], 31)),
            r#"{"rankings":[{"index":1,"logit":2.71875},{"index":0,"logit":-1.5},{"index":2,"logit":-9.25}],"usage":{"prompt_tokens":31,"total_tokens":31}}"#
        );
        assert_eq!(
            text(&error_body(404, "NotFoundError", "The model `foo` does not exist.")),
            r#"{"error":{"message":"The model `foo` does not exist.","type":"NotFoundError","param":null,"code":404}}"#
        );
    }
}
