//! Property test: every builtin endpoint parser takes arbitrary bytes, cut anywhere, without a
//! panic: it reads them or reports an error.

use std::time::Instant;

use aiperf_core::Endpoint;
use aiperf_endpoints::conformance::{Fixture, create, decode_cut};
use aiperf_endpoints::{ChatEndpoint, CompletionsEndpoint, EmbeddingsEndpoint, RankingsEndpoint};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_parser_panics_on_arbitrary_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..512),
        status in prop_oneof![Just(200_u16), Just(404), Just(500)],
        streaming: bool,
        cut in any::<prop::sample::Index>(),
    ) {
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        let f = Fixture { name: "generated", status, streaming, bytes };
        let cuts = [cut.index(bytes.len() + 1)];
        let endpoints: [&dyn Endpoint; 4] =
            [&create::<ChatEndpoint>(), &create::<CompletionsEndpoint>(), &create::<EmbeddingsEndpoint>(), &create::<RankingsEndpoint>()];
        for endpoint in endpoints {
            let _ = decode_cut(endpoint, &f, &cuts, Instant::now());
        }
    }
}
