//! The builtin endpoints on responses real vLLM and SGLang servers gave, as their users published
//! them (`fixtures/published/README.md` names each source): every byte split, as the fixtures
//! of [`crate::fixtures`] are read.

use std::time::Instant;

use aiperf_core::decode_response;

use crate::fixtures::{decode_every_way, endpoint, fixture, usage};
use crate::{ChatEndpoint, CompletionsEndpoint, EmbeddingsEndpoint};

#[test]
fn vllm_chat_stream_with_usage_on_every_chunk() {
    let r = decode_every_way(&endpoint::<ChatEndpoint>(), true, "published/vllm_chat_stream_continuous_usage_llama31-70b_v06.sse").unwrap();
    assert_eq!(r.text, "Hello Sam. It's nice to meet you. Is there something I can help you with or would you like to chat?");
    // The role chunk, the finish chunk and the usage chunk carry no text: 25 pieces of content.
    assert_eq!(r.chunks.len(), 25);
    assert_eq!((r.chunk_text(0), r.chunk_text(1)), ("Hello", " Sam"));
    assert_eq!(r.response_id.as_deref(), Some("chat-b183bb5829194e8891cacceabfdb5274"));
    // Usage on every chunk: the last report wins.
    assert_eq!((r.finish_reason.as_deref(), r.usage, r.done, r.error), (Some("stop"), usage(46, 26, 72), true, None));
}

#[test]
fn vllm_chat_body() {
    let r = decode_every_way(&endpoint::<ChatEndpoint>(), false, "published/vllm_chat_nonstream_llama31-70b_v06.json").unwrap();
    assert_eq!(r.text, "Random Number Generator Produces Smallest Possible Result");
    assert_eq!((r.finish_reason.as_deref(), r.usage, r.done), (Some("stop"), usage(146, 10, 156), true));
}

#[test]
fn vllm_completions_stream_and_bodies() {
    let e = endpoint::<CompletionsEndpoint>();
    let r = decode_every_way(&e, true, "published/vllm_completions_stream_qwen3-4b.sse").unwrap();
    assert_eq!((r.text.as_str(), r.chunks.len()), (" city in the state of California,", 7));
    // `"usage": null` on every chunk is no report.
    assert_eq!((r.finish_reason.as_deref(), r.usage, r.done), (Some("length"), None, true));
    let r = decode_every_way(&e, false, "published/vllm_completions_nonstream_qwen3-4b.json").unwrap();
    assert!(r.text.starts_with(" city in the state of California, USA.") && r.text.ends_with("in the United States."), "{}", r.text);
    assert_eq!((r.finish_reason.as_deref(), r.usage), (Some("length"), usage(4, 32, 36)));
    let r = decode_every_way(&e, false, "published/vllm_completions_nonstream_llama33-70b-fp4.json").unwrap();
    assert!(r.text.ends_with("natural beauty. From the iconic"), "{}", r.text);
    assert_eq!((r.usage, r.response_id.as_deref()), (usage(5, 20, 25), Some("cmpl-4493992056a146f0a65363462eee6218")));
}

#[test]
fn vllm_flat_error_body_keeps_its_message() {
    let body = fixture("published/vllm_error_400_embeddings_matryoshka.json");
    let r = decode_response(&endpoint::<EmbeddingsEndpoint>(), 400, false, [(Instant::now(), &body[..])]).unwrap();
    let error = r.error.unwrap();
    assert_eq!((error.status, error.kind.as_deref()), (Some(400), Some("BadRequestError")));
    assert!(error.message.starts_with("Model \"BAAI/bge-m3\" does not support matryoshka representation"), "{}", error.message);
}

#[test]
fn sglang_chat_body_with_reasoning_and_completions_body() {
    let r = decode_every_way(&endpoint::<ChatEndpoint>(), false, "published/sglang_chat_nonstream_glm46v_reasoning.json").unwrap();
    assert!(r.text.starts_with("The image is a logo featuring the text \"SGL\"") && r.text.ends_with("<|end_of_box|>"), "{}", r.text);
    assert!(r.reasoning.starts_with("Okay, let's see.") && r.reasoning.ends_with("or a tech company."), "{}", r.reasoning);
    assert_eq!((r.finish_reason.as_deref(), r.usage), (Some("stop"), usage(2222, 226, 2448)));
    assert_eq!(r.response_id.as_deref(), Some("b61596ca71394dd699fd8abd4f650c44"));
    let r =
        decode_every_way(&endpoint::<CompletionsEndpoint>(), false, "published/sglang_completions_nonstream_gpt-oss-120b.json").unwrap();
    assert_eq!(r.text, " city in California, USA. It is known for its iconic landmarks such as the Golden Gate Bridge,");
    assert_eq!((r.finish_reason.as_deref(), r.usage), (Some("length"), usage(4, 20, 24)));
}
