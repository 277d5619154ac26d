//! What the single-pass reader reads itself, and what it leaves to serde.

use super::strings::special_byte;
use super::*;

const VLLM_CHUNK: &str = r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1718000000,"model":"m","choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}]}"#;

fn chat(json: &str) -> Option<Read<'_>> {
    read(json.as_bytes(), Shape::Chat)
}

#[test]
fn what_servers_send_is_read_in_one_pass() {
    let chunk = chat(VLLM_CHUNK).expect("a vLLM chunk");
    assert_eq!(chunk.choice.unwrap().text.as_deref(), Some(" token"));
    let last =
        chat(r#"{"choices":[],"usage":{"prompt_tokens":10,"total_tokens":266,"completion_tokens":256,"prompt_tokens_details":null}}"#)
            .expect("a usage chunk");
    assert_eq!((last.choice, last.usage.unwrap().completion_tokens), (None, Some(256)));
    let escaped = chat(r#"{"choices":[{"delta":{"content":"a\n\"b\""},"finish_reason":"stop"}]}"#).unwrap().choice.unwrap();
    assert_eq!((escaped.text.as_deref(), escaped.finish_reason.as_deref()), (Some("a\n\"b\""), Some("stop")));
    let reasoning = chat(r#"{"choices":[{"delta":{"reasoning":"r","reasoning_content":"rc"}}]}"#).unwrap().choice.unwrap();
    assert_eq!(reasoning.reasoning.as_deref(), Some("rc"));
    let completion =
        read(br#"{"choices":[{"index":1,"text":"no"},{"index":0,"text":"yes","finish_reason":"length"}]}"#, Shape::Completions);
    assert_eq!(completion.unwrap().choice.unwrap().text.as_deref(), Some("yes"));
}

#[test]
fn anything_uncertain_is_left_to_serde() {
    for json in [
        r#"{"error":{"message":"boom"}}"#,
        r#"{"choices":[{"delta":{"content":"\u00e9"}}]}"#,
        r#"{"choices":[],"choices":[]}"#,
        r#"{"choices":[{"index":1.0}]}"#,
        r#"{"choices":[{"index":-1}]}"#,
        r#"{"choices":[{"index":4294967296}]}"#,
        r#"{"usage":{"prompt_tokens":1e2}}"#,
        r#"{"created":01}"#,
        r#"{"model":"m"} trailing"#,
        "{\"model\":\"raw\u{1}control\"}",
        r#"{"ch\u006fices":[]}"#,
        r#"{"choices":{}}"#,
        r#"{"choices":[{"delta":{},"message":{}}]}"#,
        r#"["array form"]"#,
        r#"{"a":"bad \x escape"}"#,
    ] {
        assert_eq!(chat(json), None, "{json}");
    }
    let deep = format!("{{\"x\":{}{}}}", "[".repeat(100), "]".repeat(100));
    assert_eq!(chat(&deep), None);
    assert!(read(b"{\"choices\":[{\"delta\":{\"content\":\"\xff\"}}]}", Shape::Chat).is_none(), "invalid UTF-8 in a read string");
}

#[test]
fn special_bytes_are_found_eight_at_a_time_exactly() {
    for special in [b'"', b'\\', 0x00, 0x1f] {
        for at in 0..8 {
            for filler in [b'a', 0x20, 0x7f, 0x80, 0xff, b'!', b'#', b'[', b']'] {
                let mut word = [filler; 8];
                word[at] = special;
                // A second special byte after the first must not move the answer.
                if at < 7 {
                    word[7] = b'"';
                }
                assert_eq!(special_byte(u64::from_le_bytes(word)), Some(at), "{word:?}");
            }
        }
    }
    for filler in [b'a', 0x20, 0x7f, 0x80, 0xff, b'!', b'#'] {
        assert_eq!(special_byte(u64::from_le_bytes([filler; 8])), None);
    }
}

/// JSON's string rule one byte at a time, the specification [`Reader::raw_string`] (which tests
/// words) must match: where the string ends and whether it holds an escape, or `None`.
fn raw_string_by_bytes(b: &[u8]) -> Option<(usize, bool)> {
    let (mut i, mut escaped) = (0, false);
    loop {
        match *b.get(i)? {
            b'"' => return Some((i, escaped)),
            b'\\' => {
                escaped = true;
                i += match *b.get(i + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => 2,
                    b'u' if b.get(i + 2..i + 6)?.iter().all(u8::is_ascii_hexdigit) => 6,
                    _ => return None,
                }
            }
            0..=0x1f => return None,
            _ => i += 1,
        }
    }
}

proptest::proptest! {
    #[test]
    fn strings_are_read_word_by_word_exactly_as_byte_by_byte(
        bytes in proptest::collection::vec(proptest::sample::select(b"a\"\\nu0\x01\x1f\x20\x7f\xc3\xa9/".to_vec()), 0..40),
    ) {
        let mut reader = Reader { b: &bytes, i: 0, line: false };
        let words = reader.raw_string().map(|(s, escaped)| (s.len(), escaped));
        proptest::prop_assert_eq!(words, raw_string_by_bytes(&bytes));
        if words.is_some() {
            proptest::prop_assert_eq!(reader.i, words.unwrap().0 + 1);
        }
    }
}

#[test]
fn the_response_id_is_the_first_objects_string_id() {
    let mut out = ParsedResponse::default();
    let at = Instant::now();
    for (json, kept) in [
        (r#"{"id":7,"choices":[]}"#, None),
        (r#"{"id":"chatcmpl-a","choices":[]}"#, Some("chatcmpl-a")),
        (r#"{"id":"chatcmpl-b","choices":[]}"#, Some("chatcmpl-a")),
    ] {
        read(json.as_bytes(), Shape::Chat).expect("read").apply(at, &mut out);
        assert_eq!(out.response_id.as_deref(), kept, "{json}");
    }
    let long = format!(r#"{{"id":"{}"}}"#, "x".repeat(1000));
    let mut out = ParsedResponse::default();
    read(long.as_bytes(), Shape::Chat).unwrap().apply(at, &mut out);
    assert_eq!(out.response_id.map(|id| id.len()), Some(256), "a server's id is kept bounded");
    assert!(read(br#"{"id":"a","id":"b"}"#, Shape::Chat).is_none(), "a duplicate id is serde's to judge");
}

#[test]
fn reasoning_tokens_are_read_as_serde_reads_them() {
    let usage = r#"{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12,"completion_tokens_details":{"reasoning_tokens":3,"audio_tokens":0}}}"#;
    let read_usage = chat(usage).expect("a usage chunk").usage.unwrap();
    let serde_usage: crate::openai::WireUsage = serde_json::from_str(&usage[usage.find("{\"prompt").unwrap()..usage.len() - 1]).unwrap();
    assert_eq!(read_usage, serde_usage);
    assert_eq!(read_usage.completion_tokens_details.and_then(|d| d.reasoning_tokens), Some(3));
    let mut out = ParsedResponse::default();
    read_usage.apply(&mut out);
    assert_eq!((out.usage.unwrap().completion_tokens, out.usage_reasoning_tokens), (Some(7), Some(3)));
    assert!(
        chat(r#"{"usage":{"completion_tokens_details":{"reasoning_tokens":1,"reasoning_tokens":2}}}"#).is_none(),
        "a repeated key is serde's"
    );
    let none = chat(r#"{"usage":{"completion_tokens":1,"completion_tokens_details":null}}"#).unwrap().usage.unwrap();
    assert_eq!(none.completion_tokens_details, None);
}

#[test]
fn keys_recognised_by_their_bytes_read_as_scanned_ones() {
    let usual = r#"{"id":"c","object":"o","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"x"},"logprobs":null,"finish_reason":"stop","stop_reason":null}],"usage":null}"#;
    let reordered = r#"{"choices":[{"finish_reason":"stop","delta":{"role":"assistant","content":"x"},"index":0}],"model":"m","id":"c"}"#;
    let spaced = r#"{ "id" : "c" , "choices" : [ { "index" : 0 , "delta" : { "content" : "x" } , "finish_reason" : "stop" } ] }"#;
    let (a, b, c) = (chat(usual).unwrap(), chat(reordered).unwrap(), chat(spaced).unwrap());
    for read in [&a, &b, &c] {
        let choice = read.choice.as_ref().unwrap();
        assert_eq!((read.id.as_deref(), choice.text.as_deref(), choice.finish_reason.as_deref()), (Some("c"), Some("x"), Some("stop")));
    }
    // A key cut short by the end of the input, or one that only starts like a known key.
    assert_eq!(chat(r#"{"id""#), None);
    assert_eq!(chat(r#"{"idx":1}"#).unwrap().id, None);
    assert_eq!(chat(r#"{"id":"z"}"#).unwrap().id.as_deref(), Some("z"));
    // Duplicates are still caught when the second copy is recognised by its bytes.
    assert_eq!(chat(r#"{"choices":[],"id":"a","choices":[]}"#), None);
}
