//! Property test of the event templates: streams whose events repeat one frame around different
//! `content` values, cut anywhere, give exactly the builtin's records (or the same kind of
//! failure), whether an event is read through the template of an earlier one or in full.

use std::time::Instant;

use aiperf_endpoints::ChatEndpoint;
use aiperf_endpoints::conformance::{Fixture, create, decode_cut};
use aiperf_nvidia_optimized::OptimizedChatEndpoint;
use proptest::prelude::*;

/// A `content` value: plain strings (what templates read), and everything that must not be read
/// through a template (escapes, invalid escapes, raw control characters, other JSON types).
fn content() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        r#""plain""#,
        r#"" token""#,
        r#""""#,
        "\"Grüße 世界\"",
        r#""line\nbreak \"quoted\"""#,
        r#""\u00e9\ud83d\ude00""#,
        r#""\ud800""#,
        r#""bad \x escape""#,
        "\"raw\u{1}control\"",
        "null",
        "7",
        "[]",
        "{}",
        r#""unterminated"#,
    ])
}

/// A stream of events that repeat one frame around different `content` values.
fn templated_stream() -> impl Strategy<Value = String> {
    let pick = |options: &[&'static str]| prop::sample::select(options.to_vec());
    let frame = (
        pick(&["", r#""id":"chatcmpl-1","created":1,"#, r#""usage":null,"error":null,"#]),
        pick(&["0", "1"]),
        pick(&["", r#","reasoning":null"#, r#","reasoning_content":"r""#, r#","content":"again""#]),
        pick(&["", r#","finish_reason":null"#, r#","finish_reason":"stop""#]),
        pick(&["", r#","usage":{"completion_tokens":1}"#, " "]),
    );
    (frame, prop::collection::vec(content(), 1..6)).prop_map(|((pre, index, delta_tail, choice_tail, post), contents)| {
        let event = |content: &str| {
            format!(
                "data: {{{pre}\"choices\":[{{\"index\":{index},\"delta\":{{\"content\":{content}{delta_tail}}}{choice_tail}}}]{post}}}\n\n"
            )
        };
        let events: String = contents.iter().map(|c| event(c)).collect();
        format!("{events}data: [DONE]\n\n")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn events_read_through_templates_give_the_builtins_records(
        stream in templated_stream(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    ) {
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(stream.len() + 1)).collect();
        cuts.sort_unstable();
        // Fixtures hold 'static bytes: leak the few a case makes.
        let f = Fixture { name: "generated", status: 200, streaming: true, bytes: Box::leak(stream.into_bytes().into_boxed_slice()) };
        let t0 = Instant::now();
        let (builtin, plugin) = (decode_cut(&create::<ChatEndpoint>(), &f, &cuts, t0), decode_cut(&create::<OptimizedChatEndpoint>(), &f, &cuts, t0));
        prop_assert_eq!(builtin, plugin, "cuts {:?}, bytes {:?}", cuts, String::from_utf8_lossy(f.bytes));
    }
}
