//! `create_instance` through the generated `match`, against a direct constructor call and against
//! `HashMap<String, fn>` registries (the runtime-registry design this crate replaces); and calls
//! through the generated `AnyEndpoint` against calls through a `Box<dyn Endpoint>`.
//!
//! `cargo bench --bench factory`; add `--features nvidia-optimized` for the plugin build.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

use aiperf::core::{ConfigError, DecodeState, Endpoint, FromModelEndpoint, ModelEndpointInfo, ParsedResponse, Selection};
use aiperf::endpoints::RankingsEndpoint;
use aiperf::{AnyEndpoint, EndpointCategory, EndpointFactory, EndpointName};
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main, measurement::WallTime};

type Constructor = fn(&ModelEndpointInfo) -> Result<AnyEndpoint, ConfigError>;
type BoxedConstructor = fn(&ModelEndpointInfo) -> Result<Box<dyn Endpoint>, ConfigError>;

#[inline]
fn rankings(info: &ModelEndpointInfo) -> Result<AnyEndpoint, ConfigError> {
    RankingsEndpoint::from_model_endpoint(info).map(AnyEndpoint::RankingsEndpoint)
}

fn rankings_boxed(info: &ModelEndpointInfo) -> Result<Box<dyn Endpoint>, ConfigError> {
    Ok(Box::new(RankingsEndpoint::from_model_endpoint(info)?))
}

fn registry<C: Copy>(entry: C) -> HashMap<String, C> {
    // The four table names, all pointing at one constructor: lookup cost is what differs.
    ["chat", "completions", "embeddings", "rankings"].into_iter().map(|n| (n.to_owned(), entry)).collect()
}

fn create_instance(c: &mut Criterion) {
    let info = ModelEndpointInfo::default();
    let map: HashMap<String, Constructor> = registry(rankings as Constructor);
    let boxed: HashMap<String, BoxedConstructor> = registry(rankings_boxed as BoxedConstructor);

    // Creation is timed; every instance is dropped after the timing (`iter_with_large_drop`), so
    // the drop of a value (an `AnyEndpoint`'s is a `match` on its variant, out of line) is not
    // counted against whichever way made it.
    let mut group = c.benchmark_group("create_instance");
    group.bench_function("direct_constructor", |b| b.iter_with_large_drop(|| RankingsEndpoint::from_model_endpoint(black_box(&info))));
    // The same call giving the factory's type: the baseline of the lookup's cost, since both
    // then build and move the same `AnyEndpoint`.
    group.bench_function("direct_constructor_any_endpoint", |b| b.iter_with_large_drop(|| rankings(black_box(&info))));
    // A name only known at run time (black_box) versus one written in the code, which the
    // compiler can resolve through the generated `match`.
    group.bench_function("generated_match_typed_name", |b| {
        b.iter_with_large_drop(|| EndpointFactory::create_instance(black_box(EndpointName::Rankings), &info))
    });
    group.bench_function("generated_match_literal_name", |b| {
        b.iter_with_large_drop(|| EndpointFactory::create_instance(EndpointName::Rankings, black_box(&info)))
    });
    group.bench_function("generated_match_str_name", |b| {
        b.iter_with_large_drop(|| EndpointFactory::create_instance(black_box("rankings"), &info))
    });
    group.bench_function("hashmap_fn_registry", |b| b.iter_with_large_drop(|| map.get(black_box("rankings")).map(|make| make(&info))));
    group.bench_function("hashmap_box_dyn_registry", |b| {
        b.iter_with_large_drop(|| boxed.get(black_box("rankings")).map(|make| make(&info)))
    });
    group.finish();

    // Resolution alone (what choosing adds on top of construction): the table's choice, and a
    // run-time `Selection`'s (a pin looked up by the name's index).
    let selection = Selection::<EndpointCategory>::new();
    let mut group = c.benchmark_group("resolve");
    group.bench_function("generated_match_typed_name", |b| b.iter(|| EndpointFactory::entry(black_box(EndpointName::Rankings)).default));
    group.bench_function("generated_match_str_name", |b| {
        b.iter(|| black_box("rankings").parse::<EndpointName>().map(|name| EndpointFactory::entry(name).default))
    });
    group.bench_function("selection_typed_name", |b| b.iter(|| selection.selected(black_box(EndpointName::Rankings))));
    group.bench_function("hashmap_fn_registry", |b| b.iter(|| map.get(black_box("rankings")).copied()));
    group.finish();
}

/// Calls through the generated enum (`AnyEndpoint`, a `match`) against calls through a
/// `Box<dyn Endpoint>` (a vtable) of the same selected `chat` type: decoding one vLLM chunk, and a
/// call that does nothing (no bytes), where the dispatch is all there is.
fn endpoint_calls(c: &mut Criterion) {
    let info = ModelEndpointInfo { model_names: vec!["demo".into()], streaming: true, ..ModelEndpointInfo::default() };
    let any = EndpointFactory::create_instance(EndpointName::Chat, &info).expect("chat");
    #[cfg(not(feature = "nvidia-optimized"))]
    let boxed: Box<dyn Endpoint> = Box::new(aiperf::endpoints::ChatEndpoint::from_model_endpoint(&info).expect("chat"));
    #[cfg(feature = "nvidia-optimized")]
    let boxed: Box<dyn Endpoint> = Box::new(aiperf::nvidia_optimized::OptimizedChatEndpoint::from_model_endpoint(&info).expect("chat"));
    let event: &[u8] = br#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1718000000,"model":"demo","choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}]}

"#;
    let mut group = c.benchmark_group("call_endpoint");
    for (id, bytes) in [("one_event", event), ("no_bytes", &[][..])] {
        calls(&mut group, &format!("{id}/any_endpoint"), &any, bytes);
        calls(&mut group, &format!("{id}/box_dyn_endpoint"), &boxed, bytes);
    }
    group.finish();
}

/// Benches `endpoint.call` on `bytes` (generic: each holder is called its own way).
fn calls<C: Callable>(group: &mut BenchmarkGroup<'_, WallTime>, id: &str, endpoint: &C, bytes: &[u8]) {
    let at = Instant::now();
    let mut state = DecodeState::new(200, true);
    group.bench_function(id, |b| {
        b.iter(|| {
            state.reset(200, true);
            let mut out = ParsedResponse::default();
            endpoint.call(&mut state, at, black_box(bytes), &mut out);
            out.chunks.len()
        })
    });
}

/// The two ways of holding an endpoint, called the way each is called in a program: `AnyEndpoint`
/// by value (its `match` inlined), `Box<dyn Endpoint>` through its vtable.
trait Callable {
    fn call(&self, state: &mut DecodeState, at: Instant, bytes: &[u8], out: &mut ParsedResponse);
}

impl Callable for AnyEndpoint {
    #[inline]
    fn call(&self, state: &mut DecodeState, at: Instant, bytes: &[u8], out: &mut ParsedResponse) {
        let _ = Endpoint::decode(self, state, at, bytes, out);
    }
}

impl Callable for Box<dyn Endpoint> {
    #[inline]
    fn call(&self, state: &mut DecodeState, at: Instant, bytes: &[u8], out: &mut ParsedResponse) {
        let _ = self.as_ref().decode(state, at, bytes, out);
    }
}

criterion_group!(benches, create_instance, endpoint_calls);
criterion_main!(benches);
