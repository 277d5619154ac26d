//! Parsing what servers send, with each build's endpoints: the builtins, and the `nvidia-optimized`
//! plugin's overrides where it has them (same bytes, same records). A 256-token chat stream (as
//! vLLM sends it, with a field that differs in every chunk, and half of it a reasoning model's
//! `reasoning`), a completions stream, a
//! 1024-dimension embedding, a 100-passage ranking; SSE framing alone; one streamed KServe gRPC
//! response. The chat stream is also parsed by the idiomatic typed `serde_json` loop (reference).
//!
//! `cargo bench --features nvidia-optimized --bench decode` (without the feature only the builtins run).

mod payloads;

use std::hint::black_box;
use std::time::Instant;

use aiperf::core::{DecodeState, Endpoint, FromModelEndpoint, ModelEndpointInfo, decode_response};
use aiperf::endpoints::{ChatEndpoint, CompletionsEndpoint, EmbeddingsEndpoint, RankingsEndpoint};
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime};

fn run(endpoint: &dyn Endpoint, bytes: &[u8], streaming: bool, read: usize, at: Instant) -> usize {
    let parsed = decode_response(endpoint, 200, streaming, bytes.chunks(read).map(|c| (at, c))).expect("valid response");
    parsed.chunks.len() + parsed.embeddings.len() + parsed.rankings.len()
}

/// Benches `endpoint` on `bytes` as `id`, in reads of `read` bytes.
fn bench(group: &mut BenchmarkGroup<'_, WallTime>, id: &str, endpoint: &dyn Endpoint, bytes: &[u8], streaming: bool, read: usize) {
    let at = Instant::now();
    group.bench_function(id, |b| b.iter(|| run(endpoint, black_box(bytes), streaming, read, at)));
}

fn create<E: FromModelEndpoint>() -> E {
    E::from_model_endpoint(&ModelEndpointInfo::default()).expect("default settings")
}

fn chat_stream(c: &mut Criterion) {
    let bytes = payloads::chat_stream(256);
    let mut group = c.benchmark_group("decode_chat_stream_256_tokens");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    // 1 KiB reads split most events; 64 KiB reads hold the whole stream (a fast server).
    for read in [1024, 65536] {
        for (id, endpoint) in &chat_endpoints() {
            bench(&mut group, &format!("{id}/read_{read}"), endpoint.as_ref(), &bytes, true, read);
        }
    }
    group.bench_function("reference/serde_json_typed", |b| b.iter(|| reference::decode(black_box(&bytes))));
    group.finish();

    stream_group(c, "decode_chat_stream_varying_frames", &payloads::chat_stream_varying(256), &chat_endpoints());
    stream_group(c, "decode_chat_stream_reasoning", &payloads::chat_stream_reasoning(256), &chat_endpoints());
}

/// The build's `chat` implementations: the builtin, and the plugin's when it is built in.
fn chat_endpoints() -> Vec<(&'static str, Box<dyn Endpoint>)> {
    #[cfg_attr(not(feature = "nvidia-optimized"), allow(unused_mut))]
    let mut endpoints: Vec<(&'static str, Box<dyn Endpoint>)> = vec![("builtin", Box::new(create::<ChatEndpoint>()))];
    #[cfg(feature = "nvidia-optimized")]
    endpoints.push(("nvidia_optimized", Box::new(create::<aiperf::nvidia_optimized::OptimizedChatEndpoint>())));
    endpoints
}

/// One group: a stream read in 64 KiB pieces by each of `endpoints`.
fn stream_group(c: &mut Criterion, name: &str, bytes: &[u8], endpoints: &[(&'static str, Box<dyn Endpoint>)]) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    for (id, endpoint) in endpoints {
        bench(&mut group, id, endpoint.as_ref(), bytes, true, 65536);
    }
    group.finish();
}

fn other_endpoints(c: &mut Criterion) {
    #[cfg_attr(not(feature = "nvidia-optimized"), allow(unused_mut))]
    let mut completions: Vec<(&'static str, Box<dyn Endpoint>)> = vec![("builtin", Box::new(create::<CompletionsEndpoint>()))];
    #[cfg(feature = "nvidia-optimized")]
    completions.push(("nvidia_optimized", Box::new(create::<aiperf::nvidia_optimized::OptimizedCompletionsEndpoint>())));
    stream_group(c, "decode_completions_stream_256_tokens", &payloads::completions_stream(256), &completions);

    for (name, bytes, endpoint) in [
        ("decode_embeddings_1024_dims", payloads::embedding_body(1024), &create::<EmbeddingsEndpoint>() as &dyn Endpoint),
        ("decode_rankings_100_passages", payloads::rankings_body(100), &create::<RankingsEndpoint>()),
    ] {
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        bench(&mut group, "builtin", endpoint, &bytes, false, 65536);
        group.finish();
    }
}

/// SSE framing alone (the builtins' and the plugin's): events found and handed over, not parsed.
fn sse_framing(c: &mut Criterion) {
    let bytes = payloads::chat_stream(256);
    let mut group = c.benchmark_group("sse_framing_256_token_stream");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    let mut state = DecodeState::new(200, true);
    for read in [1024, 65536] {
        group.bench_function(format!("read_{read}"), |b| {
            b.iter(|| {
                state.reset(200, true);
                let mut events = 0_usize;
                for piece in black_box(&bytes).chunks(read) {
                    let _ = aiperf::endpoints::sse::feed_bytes(&mut state, piece, |data| {
                        events += data.len();
                        Ok::<(), ()>(())
                    });
                }
                events
            })
        });
    }
    group.finish();
}

/// What a program that only wants the text would write with `serde_json`: split lines, parse
/// each chunk into the smallest typed structs, keep `choices[0].delta.content`.
mod reference {
    use std::borrow::Cow;

    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Chunk<'a> {
        #[serde(borrow)]
        choices: Vec<Choice<'a>>,
    }

    #[derive(Deserialize)]
    struct Choice<'a> {
        #[serde(borrow)]
        delta: Delta<'a>,
    }

    #[derive(Deserialize)]
    struct Delta<'a> {
        #[serde(borrow)]
        content: Option<Cow<'a, str>>,
    }

    pub fn decode(bytes: &[u8]) -> usize {
        let mut text = String::new();
        for data in bytes.split(|&b| b == b'\n').filter_map(|line| line.strip_prefix(b"data: ")) {
            if data == b"[DONE]" {
                break;
            }
            let chunk: Chunk<'_> = serde_json::from_slice(data).expect("a chunk");
            if let Some(content) = chunk.choices.first().and_then(|c| c.delta.content.as_deref()) {
                text.push_str(content);
            }
        }
        text.len()
    }
}

/// One streamed gRPC response as Triton's vLLM backend sends it: a piece of text, not final.
fn triton_piece() -> bytes::Bytes {
    use aiperf_kserve::inference::model_infer_response::InferOutputTensor;
    use aiperf_kserve::inference::{ModelInferResponse, ModelStreamInferResponse};
    use aiperf_kserve::tensors;
    let mut infer = ModelInferResponse {
        model_name: "llama-3-8b-instruct".into(),
        model_version: "1".into(),
        id: "profiling-1234".into(),
        ..ModelInferResponse::default()
    };
    infer.parameters.insert("triton_final_response".into(), tensors::bool_param(false));
    infer.outputs.push(InferOutputTensor { name: "text_output".into(), datatype: "BYTES".into(), shape: vec![1], ..Default::default() });
    infer.raw_output_contents.push(tensors::bytes_value(b" latency"));
    prost::Message::encode_to_vec(&ModelStreamInferResponse { error_message: String::new(), infer_response: Some(infer) }).into()
}

/// Decodes and reads one message as the grpc transport does for every streamed piece.
fn read_piece<R: aiperf::transports::StreamReader>(frame: &bytes::Bytes, text: &mut String) -> bool {
    let message = <R::Message as prost::Message>::decode(frame.clone()).expect("valid message");
    text.clear();
    R::read(&message, text).expect("valid output").final_response
}

/// Reading one streamed gRPC response: the builtin (the generated KServe message) against the
/// plugin's lean message (the fields read, output bytes borrowed).
fn grpc_stream_piece(c: &mut Criterion) {
    let frame = triton_piece();
    let mut text = String::with_capacity(64);
    let mut group = c.benchmark_group("grpc_stream_piece");
    group.throughput(Throughput::Bytes(frame.len() as u64));
    group.bench_function("builtin", |b| b.iter(|| read_piece::<aiperf::transports::FullMessages>(black_box(&frame), &mut text)));
    #[cfg(feature = "nvidia-optimized")]
    group.bench_function("nvidia_optimized", |b| {
        b.iter(|| read_piece::<aiperf::nvidia_optimized::LeanMessages>(black_box(&frame), &mut text))
    });
    group.finish();
}

criterion_group!(benches, chat_stream, other_endpoints, sse_framing, grpc_stream_piece);
criterion_main!(benches);
