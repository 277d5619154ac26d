//! OpenAI embeddings (`/v1/embeddings`).

use std::time::Instant;

use aiperf_core::{
    ConfigError, Embedding, EndpointError, FormattedRequest, FromModelEndpoint, InferenceRequest, ModelEndpointInfo, ParsedResponse,
    Payload,
};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::openai::{self, JsonResponses, RequestBase, WireUsage};

const NAME: &str = "embeddings";

/// OpenAI embeddings: texts in, one vector per text out, as JSON floats or base64 float32
/// (`encoding_format: "base64"`, set through extra inputs).
#[derive(Clone, Debug, PartialEq)]
pub struct EmbeddingsEndpoint {
    base: RequestBase,
}

impl FromModelEndpoint for EmbeddingsEndpoint {
    const DECLARED: aiperf_core::Declared = aiperf_core::declared!();

    #[inline]
    fn from_model_endpoint(info: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        Ok(Self { base: RequestBase::from_info(info, false)? })
    }
}

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    data: Option<Vec<Item>>,
    usage: Option<WireUsage>,
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    index: Option<usize>,
    embedding: Vector,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Vector {
    Floats(Vec<f32>),
    Base64(String),
}

/// Decodes a base64 embedding: little-endian float32, standard alphabet with padding.
fn decode_base64(text: &str) -> Result<Vec<f32>, String> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(text).map_err(|e| format!("invalid base64 embedding: {e}"))?;
    if bytes.len() % 4 != 0 {
        return Err(format!("base64 embedding has {} bytes, not a whole number of float32 values", bytes.len()));
    }
    Ok(bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
}

impl JsonResponses for EmbeddingsEndpoint {
    const NAME: &'static str = NAME;

    fn format_body(&self, request: &InferenceRequest) -> Result<FormattedRequest, EndpointError> {
        let input = match &request.payload {
            Payload::Prompt(text) => Value::String(text.clone()),
            Payload::Texts(texts) => Value::from(texts.clone()),
            other => return Err(EndpointError::UnsupportedPayload { endpoint: NAME, expected: "a prompt or texts", found: other.kind() }),
        };
        let mut fields = Map::new();
        fields.insert("input".into(), input);
        // No tokens are generated: `max_tokens` is not sent.
        self.base.body(NAME, request, None, fields)
    }

    fn apply(&self, what: &'static str, json: &[u8], _at: Instant, out: &mut ParsedResponse) -> Result<(), EndpointError> {
        let parsed: Body = openai::parse_json(NAME, what, json)?;
        openai::apply_envelope(parsed.error.as_ref(), parsed.usage, out);
        for (position, item) in parsed.data.unwrap_or_default().into_iter().enumerate() {
            let vector = match item.embedding {
                Vector::Floats(v) => v,
                Vector::Base64(text) => {
                    decode_base64(&text).map_err(|reason| EndpointError::invalid(NAME, "embedding", reason, text.as_bytes()))?
                }
            };
            out.embeddings.push(Embedding { index: item.index.unwrap_or(position), vector });
        }
        out.embeddings.sort_by_key(|e| e.index);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::decode_base64;

    #[test]
    fn base64_is_little_endian_float32() {
        assert_eq!(decode_base64("AACAPwAAAMA=").unwrap(), [1.0, -2.0]);
        assert!(decode_base64("AACAPwA=").unwrap_err().contains("not a whole number"));
        assert!(decode_base64("%%%").unwrap_err().contains("invalid base64"));
    }
}
