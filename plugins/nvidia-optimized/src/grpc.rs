//! An optimized `grpc` transport: the builtin KServe transport with a [`TextCodec`] that writes
//! each streamed piece's SSE event straight into the reused buffer, without serde's structs.

use aiperf_kserve::inference::ModelInferResponse;
use aiperf_kserve::tensors;
use aiperf_server::openai_server::response::Head;
use aiperf_transports::{KserveTransport, TextCodec};

/// The KServe v2 / Triton gRPC transport with [`DirectCodec`]; the same bytes as the builtin.
pub type OptimizedGrpcTransport = KserveTransport<DirectCodec>;

/// Writes vLLM's chunk JSON by hand: the same bytes serde_json writes for the builtin
/// [`SerdeCodec`](aiperf_transports::SerdeCodec), with one pass over the text and no intermediate values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirectCodec;

impl TextCodec for DirectCodec {
    fn output_text(response: &ModelInferResponse, text: &mut String) -> Result<(), String> {
        // Already allocation-free in the builtin helper.
        tensors::output_text_into(response, "text_output", text)
    }

    fn text_event(out: &mut Vec<u8>, head: Head<'_>, chat: bool, piece: &str) {
        out.extend_from_slice(b"data: {\"id\":");
        push_json_string(out, head.id);
        out.extend_from_slice(if chat {
            b",\"object\":\"chat.completion.chunk\",\"created\":"
        } else {
            b",\"object\":\"text_completion\",\"created\":"
        });
        push_u64(out, head.created);
        out.extend_from_slice(b",\"model\":");
        push_json_string(out, head.model);
        if chat {
            out.extend_from_slice(b",\"choices\":[{\"index\":0,\"delta\":{\"content\":");
            push_json_string(out, piece);
            out.extend_from_slice(b"},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
        } else {
            out.extend_from_slice(b",\"choices\":[{\"index\":0,\"text\":");
            push_json_string(out, piece);
            out.extend_from_slice(b",\"logprobs\":null,\"finish_reason\":null,\"stop_reason\":null}]}\n\n");
        }
    }
}

fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// A JSON string literal, escaped exactly as serde_json does: `"` and `\`, the short escapes
/// for `\b \f \n \r \t`, `\u00XX` (lower-case hex) for other control characters; nothing else.
fn push_json_string(out: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => &[b'\\', b'u', b'0', b'0', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]],
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(escape);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(head: Head<'_>, chat: bool, piece: &str) -> (String, String) {
        let (mut direct, mut serde) = (Vec::new(), Vec::new());
        DirectCodec::text_event(&mut direct, head, chat, piece);
        aiperf_transports::SerdeCodec::text_event(&mut serde, head, chat, piece);
        (String::from_utf8(direct).unwrap(), String::from_utf8(serde).unwrap())
    }

    #[test]
    fn same_bytes_as_serde_for_every_ascii_character_and_beyond() {
        let mut samples: Vec<String> = (0u8..=0x7f).map(|b| format!("a{}b", char::from(b))).collect();
        samples.extend(
            ["", " plain words", "Grüße, 世界 😀", "\u{2028}\u{2029}", "quote \" and \\ back\\slash", "/slash/"].map(str::to_owned),
        );
        for created in [0, 7, 1_718_000_000, u64::MAX] {
            for (id, model) in [("chatcmpl-1", "mock"), ("cmpl-\"x\"", "m\u{1}odel")] {
                for piece in &samples {
                    for chat in [true, false] {
                        let (direct, serde) = both(Head { id, created, model }, chat, piece);
                        assert_eq!(direct, serde, "piece {piece:?} chat={chat}");
                    }
                }
            }
        }
    }
}
