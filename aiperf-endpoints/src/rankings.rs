//! NVIDIA NIM text reranking (`/v1/ranking`).

use std::time::Instant;

use aiperf_core::{
    ConfigError, EndpointError, FormattedRequest, FromModelEndpoint, InferenceRequest, ModelEndpointInfo, ParsedResponse, Payload, Ranking,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::openai::{self, JsonResponses, RequestBase, WireUsage};

const NAME: &str = "rankings";

/// NIM reranking: `{"query":{"text"},"passages":[{"text"}]}` in, `rankings[]` of `index` + `logit`
/// out (sorted best first by the server).
#[derive(Clone, Debug, PartialEq)]
pub struct RankingsEndpoint {
    base: RequestBase,
}

impl FromModelEndpoint for RankingsEndpoint {
    const DECLARED: aiperf_core::Declared = aiperf_core::declared!();

    #[inline]
    fn from_model_endpoint(info: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        Ok(Self { base: RequestBase::from_info(info, false)? })
    }
}

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    rankings: Option<Vec<Item>>,
    usage: Option<WireUsage>,
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Item {
    index: usize,
    #[serde(alias = "score")]
    logit: f64,
}

impl JsonResponses for RankingsEndpoint {
    const NAME: &'static str = NAME;

    fn format_body(&self, request: &InferenceRequest) -> Result<FormattedRequest, EndpointError> {
        let (query, passages): (&str, &[String]) = match &request.payload {
            Payload::Ranking { query, passages } => (query, passages),
            Payload::Texts(texts) if texts.len() >= 2 => (&texts[0], &texts[1..]),
            other => {
                return Err(EndpointError::UnsupportedPayload {
                    endpoint: NAME,
                    expected: "a query with passages (or texts: the query, then at least one passage)",
                    found: other.kind(),
                });
            }
        };
        let mut fields = Map::new();
        fields.insert("query".into(), json!({ "text": query }));
        fields.insert("passages".into(), passages.iter().map(|p| json!({ "text": p })).collect());
        // No tokens are generated: `max_tokens` is not sent.
        self.base.body(NAME, request, None, fields)
    }

    fn apply(&self, what: &'static str, json: &[u8], _at: Instant, out: &mut ParsedResponse) -> Result<(), EndpointError> {
        let parsed: Body = openai::parse_json(NAME, what, json)?;
        openai::apply_envelope(parsed.error.as_ref(), parsed.usage, out);
        out.rankings.extend(parsed.rankings.unwrap_or_default().into_iter().map(|r| Ranking { index: r.index, score: r.logit }));
        Ok(())
    }
}
