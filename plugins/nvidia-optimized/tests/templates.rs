//! Property test of the event templates: streams whose events repeat one frame around different
//! values of `content` (or `reasoning_content`, or `reasoning`), cut anywhere, give exactly the
//! builtin's records (or the same kind of failure), whether an event is read through the template
//! of an earlier one or in full.

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

/// A stream of events that repeat one frame around different values of one field: `content`, or
/// a reasoning model's `reasoning_content` or `reasoning`.
fn templated_stream() -> impl Strategy<Value = String> {
    let pick = |options: &[&'static str]| prop::sample::select(options.to_vec());
    let frame = (
        pick(&["", r#""id":"chatcmpl-1","created":1,"#, r#""usage":null,"error":null,"#]),
        pick(&["0", "1"]),
        (pick(&["content", "reasoning_content", "reasoning"]), pick(&["", r#""content":null,"#, r#""role":"assistant","#])),
        pick(&["", r#","reasoning":null"#, r#","reasoning_content":"r""#, r#","content":"again""#]),
        pick(&["", r#","finish_reason":null"#, r#","finish_reason":"stop""#]),
        pick(&["", r#","usage":{"completion_tokens":1}"#, " "]),
    );
    // Some streams also differ in a field of their own in every event (OpenAI's `obfuscation`):
    // a plain string fills the template's hole; anything else there misses it, until the
    // template gives up, within a read or across reads.
    (frame, 0..3u8, prop::collection::vec(content(), 1..8)).prop_map(|((pre, index, (field, delta_lead), delta_tail, choice_tail, post), varying, contents)| {
        let event = |(i, content): (usize, &&str)| {
            let own = match (varying, i % 5) {
                (0, _) => String::new(),
                (1, _) | (2, 0) => format!(r#","obfuscation":"{}""#, "x".repeat(i)),
                (_, 1) => r#","obfuscation":"a\"b""#.to_owned(),
                (_, 2) => format!(r#","obfuscation":{i}"#),
                (_, 3) => r#","obfuscation": "s""#.to_owned(),
                _ => ",\"obfuscation\":\"raw\u{1}control\"".to_owned(),
            };
            format!(
                "data: {{{pre}\"choices\":[{{\"index\":{index},\"delta\":{{{delta_lead}\"{field}\":{content}{delta_tail}}}{choice_tail}}}]{own}{post}}}\n\n"
            )
        };
        let events: String = contents.iter().enumerate().map(event).collect();
        format!("{events}data: [DONE]\n\n")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

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

/// A stream whose events all differ after their text (OpenAI's `obfuscation`), in one read and
/// cut between events: its template gives up within the read, and the rest of the read, the
/// following reads and `[DONE]` are read as the builtin reads them.
#[test]
fn a_template_that_gives_up_within_a_read_leaves_the_rest_to_the_builtin() {
    let event =
        |i: usize| format!("data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"t{i}\"}}}}],\"obfuscation\":\"{i}\"}}\n\n");
    let stream = (0..8).map(event).collect::<String>() + "data: [DONE]\n\n";
    let f = Fixture { name: "obfuscated", status: 200, streaming: true, bytes: Box::leak(stream.into_bytes().into_boxed_slice()) };
    let t0 = Instant::now();
    let event_len = event(0).len();
    for cuts in [vec![], vec![4 * event_len], vec![event_len, 6 * event_len + 3]] {
        let builtin = decode_cut(&create::<ChatEndpoint>(), &f, &cuts, t0);
        assert_eq!(builtin.as_ref().map(|r| r.text.as_str()), Ok("t0t1t2t3t4t5t6t7"));
        assert_eq!(builtin, decode_cut(&create::<OptimizedChatEndpoint>(), &f, &cuts, t0), "cuts {cuts:?}");
    }
}
