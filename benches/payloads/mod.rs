//! Realistic payloads for the benches: what vLLM and NIM send and are sent.

#![allow(dead_code)] // Each bench uses some of them.

use aiperf::core::{InferenceRequest, Message, ModelEndpointInfo, Payload};

/// A vLLM chat stream of `tokens` one-word chunks: every chunk repeats the same id, `created` and
/// model, as vLLM, SGLang and NIM send them.
pub fn chat_stream(tokens: usize) -> Vec<u8> {
    stream(tokens, |i| chat_chunk(if i % 2 == 0 { " token" } else { " latency" }, "null", ""))
}

/// The same stream with a field that differs in every chunk (OpenAI's `obfuscation` padding), so
/// no two chunks share their bytes around the text.
pub fn chat_stream_varying(tokens: usize) -> Vec<u8> {
    stream(tokens, |i| chat_chunk(if i % 2 == 0 { " token" } else { " latency" }, "null", &format!(",\"obfuscation\":\"{i:08x}\"")))
}

/// A reasoning model's stream as vLLM sends it with a reasoning parser: the first half of the
/// `tokens` chunks carry `reasoning` (the model thinking), the rest `content`.
pub fn chat_stream_reasoning(tokens: usize) -> Vec<u8> {
    stream(tokens, |i| {
        let word = if i % 2 == 0 { " token" } else { " latency" };
        if i < tokens / 2 { delta_chunk("reasoning", word, "null", "") } else { chat_chunk(word, "null", "") }
    })
}

fn chat_chunk(content: &str, finish: &str, extra: &str) -> String {
    delta_chunk("content", content, finish, extra)
}

fn delta_chunk(field: &str, value: &str, finish: &str, extra: &str) -> String {
    format!(
        "data: {{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1718000000,\"model\":\"demo\",\"choices\":[{{\"index\":0,\"delta\":{{\"{field}\":\"{value}\"}},\"logprobs\":null,\"finish_reason\":{finish}}}]{extra}}}\n\n"
    )
}

fn stream(tokens: usize, chunk: impl Fn(usize) -> String) -> Vec<u8> {
    let mut out = chat_chunk("", "null", "").replace("{\"content\"", "{\"role\":\"assistant\",\"content\"");
    for i in 0..tokens {
        out.push_str(&chunk(i));
    }
    out.push_str(&chat_chunk("", "\"length\"", ""));
    out.push_str(&usage_chunk("chat.completion.chunk", tokens));
    out.push_str("data: [DONE]\n\n");
    out.into_bytes()
}

fn usage_chunk(object: &str, tokens: usize) -> String {
    format!(
        "data: {{\"id\":\"chatcmpl-1\",\"object\":\"{object}\",\"created\":1718000000,\"model\":\"demo\",\"choices\":[],\"usage\":{{\"prompt_tokens\":10,\"total_tokens\":{},\"completion_tokens\":{tokens}}}}}\n\n",
        tokens + 10
    )
}

/// A vLLM text completions stream of `tokens` one-word chunks.
pub fn completions_stream(tokens: usize) -> Vec<u8> {
    let chunk = |text: &str, finish: &str| {
        format!(
            "data: {{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1718000000,\"model\":\"demo\",\"choices\":[{{\"index\":0,\"text\":\"{text}\",\"logprobs\":null,\"finish_reason\":{finish},\"stop_reason\":null}}]}}\n\n"
        )
    };
    let mut out = String::new();
    for i in 0..tokens {
        out.push_str(&chunk(if i % 2 == 0 { " token" } else { " latency" }, if i + 1 == tokens { "\"length\"" } else { "null" }));
    }
    out.push_str(&usage_chunk("text_completion", tokens));
    out.push_str("data: [DONE]\n\n");
    out.into_bytes()
}

/// A vLLM embeddings response: one `dims`-dimensional vector, as JSON floats.
pub fn embedding_body(dims: usize) -> Vec<u8> {
    let values: Vec<String> = (0..dims).map(|i| format!("{:.8}", ((i * 7919) % 1000) as f64 / 1000.0 - 0.5)).collect();
    format!(
        "{{\"id\":\"embd-1\",\"object\":\"list\",\"created\":1718000000,\"model\":\"demo\",\"data\":[{{\"index\":0,\"object\":\"embedding\",\"embedding\":[{}]}}],\"usage\":{{\"prompt_tokens\":128,\"total_tokens\":128,\"completion_tokens\":0,\"prompt_tokens_details\":null}}}}",
        values.join(",")
    )
    .into_bytes()
}

/// A NIM reranking response: `passages` scores, best first.
pub fn rankings_body(passages: usize) -> Vec<u8> {
    let items: Vec<String> =
        (0..passages).map(|i| format!("{{\"index\":{},\"logit\":{:.6}}}", (i * 37) % passages, 8.0 - i as f64 * 0.13)).collect();
    format!("{{\"rankings\":[{}]}}", items.join(",")).into_bytes()
}

/// The endpoint settings of the load: streaming, model `demo`, no extra inputs.
pub fn info() -> ModelEndpointInfo {
    ModelEndpointInfo { model_names: vec!["demo".into()], streaming: true, ..ModelEndpointInfo::default() }
}

/// A prompt of about `words` words (ISL 128 in the loads).
pub fn prompt(words: usize) -> String {
    (0..words).map(|i| ["the", "latency", "of", "inference", "servers"][i % 5]).collect::<Vec<_>>().join(" ")
}

/// A chat request of one user message, as the loads send.
pub fn chat_request() -> InferenceRequest {
    InferenceRequest {
        payload: Payload::Messages(vec![Message { role: "user".into(), content: prompt(128) }]),
        max_tokens: Some(16),
        model: None,
    }
}

/// An embeddings request of 8 texts.
pub fn embeddings_request() -> InferenceRequest {
    InferenceRequest { payload: Payload::Texts((0..8).map(|_| prompt(64)).collect()), max_tokens: None, model: None }
}

/// A rankings request: a query and 100 passages.
pub fn rankings_request() -> InferenceRequest {
    InferenceRequest {
        payload: Payload::Ranking { query: prompt(16), passages: (0..100).map(|_| prompt(48)).collect() },
        max_tokens: None,
        model: None,
    }
}
