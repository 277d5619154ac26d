//! Formatting requests, with each build's endpoints: a 128-word chat message (the loads' request),
//! the same prompt as a completion, 8 texts to embed, a query with 100 passages to rank; and the
//! typed text form a `grpc` request is built from.
//!
//! `cargo bench --features nvidia-optimized --bench format` (without the feature only the builtins run).

mod payloads;

use std::hint::black_box;

use aiperf::core::{Endpoint, FromModelEndpoint, InferenceRequest};
use aiperf::endpoints::{ChatEndpoint, CompletionsEndpoint, EmbeddingsEndpoint, RankingsEndpoint};
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main, measurement::WallTime};

fn create<E: FromModelEndpoint>() -> E {
    E::from_model_endpoint(&payloads::info()).expect("valid settings")
}

fn body(group: &mut BenchmarkGroup<'_, WallTime>, id: &str, endpoint: &dyn Endpoint, request: &InferenceRequest) {
    group.bench_function(id, |b| b.iter(|| endpoint.format_request(black_box(request)).expect("formats").body.len()));
}

fn format_request(c: &mut Criterion) {
    let chat = payloads::chat_request();
    let prompt = InferenceRequest::prompt(payloads::prompt(128), Some(16));
    let mut group = c.benchmark_group("format_request");
    body(&mut group, "chat/builtin", &create::<ChatEndpoint>(), &chat);
    body(&mut group, "completions/builtin", &create::<CompletionsEndpoint>(), &prompt);
    #[cfg(feature = "nvidia-optimized")]
    {
        body(&mut group, "chat/nvidia_optimized", &create::<aiperf::nvidia_optimized::OptimizedChatEndpoint>(), &chat);
        body(&mut group, "completions/nvidia_optimized", &create::<aiperf::nvidia_optimized::OptimizedCompletionsEndpoint>(), &prompt);
    }
    body(&mut group, "embeddings/builtin", &create::<EmbeddingsEndpoint>(), &payloads::embeddings_request());
    body(&mut group, "rankings/builtin", &create::<RankingsEndpoint>(), &payloads::rankings_request());
    let endpoint = create::<ChatEndpoint>();
    group.bench_function("chat_text_form/builtin", |b| b.iter(|| endpoint.text_request(black_box(&chat)).expect("a text form").max_tokens));
    group.finish();
}

criterion_group!(benches, format_request);
criterion_main!(benches);
