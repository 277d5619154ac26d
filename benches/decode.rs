//! Parsing a streamed chat response: the builtin `ChatEndpoint` against the `nvidia-optimized`
//! plugin's `OptimizedChatEndpoint` (same bytes, same records); and encoding one gRPC piece as an
//! SSE event: the builtin `SerdeCodec` against the plugin's `DirectCodec`.
//!
//! `cargo bench --features nvidia-optimized --bench decode` (without the feature only the builtin runs).

use std::hint::black_box;
use std::time::Instant;

use aiperf::core::{Endpoint, FromModelEndpoint, ModelEndpointInfo, decode_response};
use aiperf::endpoints::ChatEndpoint;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// A vLLM chat stream of `tokens` one-word chunks, delivered in reads of `read` bytes.
fn stream(tokens: usize) -> Vec<u8> {
    let chunk = |content: &str, finish: &str| {
        format!(
            "data: {{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1718000000,\"model\":\"demo\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{content}\"}},\"logprobs\":null,\"finish_reason\":{finish}}}]}}\n\n"
        )
    };
    let mut out = chunk("", "null");
    for i in 0..tokens {
        out.push_str(&chunk(if i % 2 == 0 { " token" } else { " latency" }, "null"));
    }
    out.push_str(&chunk("", "\"length\""));
    out.push_str("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1718000000,\"model\":\"demo\",\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"total_tokens\":266,\"completion_tokens\":256}}\n\ndata: [DONE]\n\n");
    out.into_bytes()
}

fn run(endpoint: &dyn Endpoint, bytes: &[u8], read: usize, at: Instant) -> usize {
    let parsed = decode_response(endpoint, 200, true, bytes.chunks(read).map(|c| (at, c))).expect("valid stream");
    parsed.chunks.len()
}

fn decode(c: &mut Criterion) {
    let info = ModelEndpointInfo::default();
    let bytes = stream(256);
    let at = Instant::now();
    let builtin = ChatEndpoint::from_model_endpoint(&info).unwrap();
    let mut group = c.benchmark_group("decode_chat_stream_256_tokens");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    // 1 KiB reads split most events; 64 KiB reads hold the whole stream (a fast server).
    for read in [1024, 65536] {
        group.bench_function(format!("builtin/read_{read}"), |b| b.iter(|| run(&builtin, black_box(&bytes), read, at)));
        #[cfg(feature = "nvidia-optimized")]
        {
            let optimized = aiperf::nvidia_optimized::OptimizedChatEndpoint::from_model_endpoint(&info).unwrap();
            group.bench_function(format!("nvidia_optimized/read_{read}"), |b| b.iter(|| run(&optimized, black_box(&bytes), read, at)));
        }
    }
    group.finish();
}

/// Encoding one streamed gRPC piece into the chat SSE event the endpoint parses: the builtin
/// serde writer against the plugin's hand-written one (same bytes).
fn grpc_text_event(c: &mut Criterion) {
    use aiperf::transports::TextCodec;
    use aiperf_server::openai_server::response::Head;
    let head = Head { id: "chatcmpl-aiperf-1", created: 1_718_000_000, model: "llama-3-8b-instruct" };
    let mut out = Vec::with_capacity(512);
    let mut group = c.benchmark_group("grpc_text_event");
    group.bench_function("builtin_serde", |b| {
        b.iter(|| {
            out.clear();
            aiperf::transports::SerdeCodec::text_event(&mut out, head, true, black_box(" latency"));
            out.len()
        })
    });
    #[cfg(feature = "nvidia-optimized")]
    group.bench_function("nvidia_optimized_direct", |b| {
        b.iter(|| {
            out.clear();
            aiperf::nvidia_optimized::DirectCodec::text_event(&mut out, head, true, black_box(" latency"));
            out.len()
        })
    });
    group.finish();
}

criterion_group!(benches, decode, grpc_text_event);
criterion_main!(benches);
