//! Parsing a streamed chat response: the builtin `ChatEndpoint` against the `nvidia-optimized`
//! plugin's `OptimizedChatEndpoint` (same bytes, same records); and reading one streamed KServe
//! gRPC response: the builtin `FullMessages` against the plugin's `LeanMessages`.
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

criterion_group!(benches, decode, grpc_stream_piece);
criterion_main!(benches);
