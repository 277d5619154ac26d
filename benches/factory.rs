//! `create_instance` through the generated `match`, against a direct constructor call and against
//! `HashMap<String, fn>` registries (the runtime-registry design this crate replaces).
//!
//! `cargo bench --bench factory`; add `--features nvidia-optimized` for the plugin build.

use std::collections::HashMap;
use std::hint::black_box;

use aiperf::core::{ConfigError, Endpoint, FromModelEndpoint, ModelEndpointInfo};
use aiperf::endpoints::RankingsEndpoint;
use aiperf::{AnyEndpoint, EndpointFactory, EndpointName};
use criterion::{Criterion, criterion_group, criterion_main};

type Constructor = fn(&ModelEndpointInfo) -> Result<AnyEndpoint, ConfigError>;
type BoxedConstructor = fn(&ModelEndpointInfo) -> Result<Box<dyn Endpoint>, ConfigError>;

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

    let mut group = c.benchmark_group("create_instance");
    group.bench_function("direct_constructor", |b| b.iter(|| RankingsEndpoint::from_model_endpoint(black_box(&info))));
    // A name only known at run time (black_box) versus one written in the code, which the
    // compiler can resolve through the generated `match`.
    group.bench_function("generated_match_typed_name", |b| {
        b.iter(|| EndpointFactory::create_instance(black_box(EndpointName::Rankings), &info))
    });
    group.bench_function("generated_match_literal_name", |b| {
        b.iter(|| EndpointFactory::create_instance(EndpointName::Rankings, black_box(&info)))
    });
    group.bench_function("generated_match_str_name", |b| b.iter(|| EndpointFactory::create_instance(black_box("rankings"), &info)));
    group.bench_function("hashmap_fn_registry", |b| b.iter(|| map.get(black_box("rankings")).map(|make| make(&info))));
    group.bench_function("hashmap_box_dyn_registry", |b| b.iter(|| boxed.get(black_box("rankings")).map(|make| make(&info))));
    group.finish();

    // Resolution alone (what the factory adds on top of construction).
    let mut group = c.benchmark_group("resolve");
    group.bench_function("generated_match_typed_name", |b| b.iter(|| EndpointFactory::selected(black_box(EndpointName::Rankings))));
    group.bench_function("generated_match_str_name", |b| {
        b.iter(|| black_box("rankings").parse::<EndpointName>().map(EndpointFactory::selected))
    });
    group.bench_function("hashmap_fn_registry", |b| b.iter(|| map.get(black_box("rankings")).copied()));
    group.finish();
}

criterion_group!(benches, create_instance);
criterion_main!(benches);
