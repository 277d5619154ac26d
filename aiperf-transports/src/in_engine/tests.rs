//! The in-engine transport end to end with the builtin endpoints: format → send → stream → parse.

use std::time::Duration;

use aiperf_core::{
    Endpoint, Exchange, FromModelEndpoint, InferenceRequest, ModelEndpointInfo, ParsedResponse, Payload, Settings, TransportTiming,
    exchange,
};
use aiperf_endpoints::{ChatEndpoint, CompletionsEndpoint, EmbeddingsEndpoint, RankingsEndpoint};

use super::InEngineTransport;
use crate::InEngineSettings;

fn info(streaming: bool, ttft_ms: u64, itl_ms: u64) -> ModelEndpointInfo {
    ModelEndpointInfo {
        model_names: vec!["sim".into()],
        streaming,
        settings: Settings::default().with(InEngineSettings {
            time_to_first_token: Duration::from_millis(ttft_ms),
            inter_token_latency: Duration::from_millis(itl_ms),
            output_tokens: 4,
            seed: 1,
        }),
        ..ModelEndpointInfo::default()
    }
}

async fn roundtrip(
    endpoint: &dyn Endpoint,
    path: &str,
    info: &ModelEndpointInfo,
    request: &InferenceRequest,
) -> (ParsedResponse, TransportTiming) {
    let transport = InEngineTransport::from_model_endpoint(info).unwrap();
    let formatted = endpoint.format_request(request).unwrap();
    let Exchange { timing, response, decode_error } = exchange(&transport, endpoint, path, &formatted.into(), None).await;
    assert!(decode_error.is_none(), "{decode_error:?}");
    (response, timing.unwrap())
}

#[tokio::test]
async fn chat_streams_real_words_with_the_engine_delays() {
    let (ttft_ms, itl_ms) = (30, 5);
    let info = info(true, ttft_ms, itl_ms);
    let chat = ChatEndpoint::from_model_endpoint(&info).unwrap();
    let (r, timing) = roundtrip(&chat, "/v1/chat/completions", &info, &InferenceRequest::prompt("tell me about latency", Some(6))).await;
    assert!(r.done && r.error.is_none(), "{r:?}");
    assert_eq!(r.chunks.len(), 6, "one chunk per token");
    assert_eq!(r.text.split_whitespace().count(), 6);
    let usage = r.usage.unwrap();
    assert_eq!((usage.prompt_tokens, usage.completion_tokens, usage.total_tokens), (Some(4), Some(6), Some(10)));
    assert_eq!(r.finish_reason.as_deref(), Some("length"));
    // Lower bounds only, on the engine's absolute schedule (token k is due at TTFT + k × ITL from
    // its start, which follows `timing.start`): timers never fire early. Gaps between two chunks
    // have no lower bound, since a client polled late sees a late chunk close to the next one.
    for (k, chunk) in (0u64..).zip(&r.chunks) {
        let due = Duration::from_millis(ttft_ms + k * itl_ms);
        assert!(chunk.at - timing.start >= due, "token {k} at {:?}, due at {due:?}", chunk.at - timing.start);
    }
    let ttft = r.chunks[0].at - timing.start;
    assert_eq!(timing.status, 200);
    assert!(timing.response_start.unwrap() - timing.start < ttft, "headers go out before the first token");
}

#[tokio::test(start_paused = true)]
async fn completions_stream_and_bodies_for_every_endpoint() {
    let streaming = info(true, 10, 1);
    let completions = CompletionsEndpoint::from_model_endpoint(&streaming).unwrap();
    let (r, _) = roundtrip(&completions, "/v1/completions", &streaming, &InferenceRequest::prompt("a b c", Some(3))).await;
    assert_eq!((r.chunks.len(), r.usage.unwrap().completion_tokens, r.done), (3, Some(3), true));

    let whole = info(false, 10, 1);
    let chat = ChatEndpoint::from_model_endpoint(&whole).unwrap();
    let (r, _) = roundtrip(&chat, "/v1/chat/completions", &whole, &InferenceRequest::prompt("hello", None)).await;
    assert_eq!((r.chunks.len(), r.text.split_whitespace().count(), r.usage.unwrap().completion_tokens), (1, 4, Some(4)));

    let embeddings = EmbeddingsEndpoint::from_model_endpoint(&whole).unwrap();
    let texts = InferenceRequest { payload: Payload::Texts(vec!["one".into(), "two words".into()]), max_tokens: None, model: None };
    let (r, _) = roundtrip(&embeddings, "/v1/embeddings", &whole, &texts).await;
    assert_eq!((r.embeddings.len(), r.embeddings[1].vector.len(), r.usage.unwrap().prompt_tokens), (2, 64, Some(3)));

    let rankings = RankingsEndpoint::from_model_endpoint(&whole).unwrap();
    let passages = vec!["bananas".to_owned(), "the fastest GPU".to_owned(), "GPU prices".to_owned()];
    let rank = InferenceRequest { payload: Payload::Ranking { query: "fastest GPU".into(), passages }, max_tokens: None, model: None };
    let (r, _) = roundtrip(&rankings, "/v1/ranking", &whole, &rank).await;
    assert_eq!(r.rankings.len(), 3);
    assert_eq!(r.rankings[0].index, 1, "best overlap first: {:?}", r.rankings);
}

#[tokio::test(start_paused = true)]
async fn unknown_paths_and_bad_bodies_are_http_errors() {
    let info = info(false, 1, 1);
    let chat = ChatEndpoint::from_model_endpoint(&info).unwrap();
    let (r, timing) = roundtrip(&chat, "/v1/nothing", &info, &InferenceRequest::prompt("x", None)).await;
    assert_eq!(timing.status, 404);
    assert_eq!(r.error.unwrap().kind.as_deref(), Some("NotFoundError"));
    // A completions body sent to the chat path lacks `messages`.
    let completions = CompletionsEndpoint::from_model_endpoint(&info).unwrap();
    let (r, timing) = roundtrip(&completions, "/v1/chat/completions", &info, &InferenceRequest::prompt("x", None)).await;
    assert_eq!(timing.status, 400);
    let error = r.error.unwrap();
    assert_eq!((error.status, error.kind.as_deref()), (Some(400), Some("BadRequestError")));
    assert!(error.message.contains("messages"), "{}", error.message);
}
