//! Property tests: on arbitrary bytes, and on valid streams cut anywhere, the optimized endpoints
//! never panic and give exactly the builtins' records (or the same kind of failure).

use std::time::Instant;

use aiperf_endpoints::conformance::{CHAT, COMPLETIONS, Fixture, OPENAI_ERRORS, create, decode_cut};
use aiperf_endpoints::{ChatEndpoint, CompletionsEndpoint};
use aiperf_nvidia_optimized::{OptimizedChatEndpoint, OptimizedCompletionsEndpoint};
use proptest::prelude::*;

/// Bytes that look like server output: SSE framing, JSON punctuation, keys the parsers read,
/// multi-byte and invalid UTF-8, and anything else.
fn wire_bytes() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(b"data: ".to_vec()),
        Just(b"\n\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"[DONE]".to_vec()),
        Just(br#"{"choices":[{"index":0,"delta":{"content":"#.to_vec()),
        Just(br#""text":"#.to_vec()),
        Just(br#""usage":{"prompt_tokens":1}"#.to_vec()),
        Just(br#"{"error":{"message":"x"}}"#.to_vec()),
        Just(b"\"}}]}".to_vec()),
        Just("é😀".as_bytes().to_vec()),
        Just(vec![0xFF, 0xC3]),
        prop::collection::vec(any::<u8>(), 0..8),
    ];
    prop::collection::vec(token, 0..24).prop_map(|parts| parts.concat())
}

fn fixture(bytes: &[u8], status: u16, streaming: bool) -> Fixture {
    // Fixtures hold 'static bytes: leak the few a property case makes.
    Fixture { name: "generated", status, streaming, bytes: Box::leak(bytes.to_vec().into_boxed_slice()) }
}

fn both_agree(f: &Fixture, cuts: &[usize]) {
    let t0 = Instant::now();
    let chat = (decode_cut(&create::<ChatEndpoint>(), f, cuts, t0), decode_cut(&create::<OptimizedChatEndpoint>(), f, cuts, t0));
    assert_eq!(chat.0, chat.1, "chat, cuts {cuts:?}, bytes {:?}", String::from_utf8_lossy(f.bytes));
    let completions =
        (decode_cut(&create::<CompletionsEndpoint>(), f, cuts, t0), decode_cut(&create::<OptimizedCompletionsEndpoint>(), f, cuts, t0));
    assert_eq!(completions.0, completions.1, "completions, cuts {cuts:?}, bytes {:?}", String::from_utf8_lossy(f.bytes));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_give_the_builtins_records(
        bytes in wire_bytes(),
        status in prop_oneof![Just(200_u16), Just(400), Just(500)],
        streaming: bool,
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    ) {
        let f = fixture(&bytes, status, streaming);
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
        cuts.sort_unstable();
        both_agree(&f, &cuts);
    }

    #[test]
    fn valid_streams_cut_anywhere_give_the_builtins_records(
        which in any::<prop::sample::Index>(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let all: Vec<&Fixture> = CHAT.iter().chain(COMPLETIONS).chain(OPENAI_ERRORS).collect();
        let f = *which.get(&all);
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(f.bytes.len() + 1)).collect();
        cuts.sort_unstable();
        both_agree(f, &cuts);
    }
}
