//! Borrowed views of OpenAI response JSON: strings stay in the input unless they hold escapes, and
//! only choice 0 is kept, without collecting the `choices` array.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::time::Instant;

use aiperf_core::{EndpointError, ParsedResponse};
use aiperf_endpoints::openai::{self, WireUsage};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};

/// One response object (stream chunk or whole body) of chat or completions.
#[derive(Deserialize)]
pub(crate) struct Response<'a> {
    #[serde(borrow, default)]
    choices: FirstChoice<'a>,
    usage: Option<WireUsage>,
    error: Option<IgnoredAny>,
}

/// Choice 0 of a `choices` array (missing, `null` and `[]` all mean none).
#[derive(Default)]
struct FirstChoice<'a>(Option<Choice<'a>>);

#[derive(Deserialize)]
struct Choice<'a> {
    #[serde(default)]
    index: Option<u32>,
    #[serde(borrow)]
    delta: Option<Content<'a>>,
    #[serde(borrow)]
    message: Option<Content<'a>>,
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow)]
    finish_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Content<'a> {
    #[serde(borrow)]
    content: Option<Cow<'a, str>>,
    #[serde(borrow)]
    reasoning_content: Option<Cow<'a, str>>,
    #[serde(borrow)]
    reasoning: Option<Cow<'a, str>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for FirstChoice<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Choices<'a>(PhantomData<&'a ()>);

        impl<'de: 'a, 'a> Visitor<'de> for Choices<'a> {
            type Value = FirstChoice<'a>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of choices")
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(FirstChoice(None))
            }

            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(FirstChoice(None))
            }

            fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
                deserializer.deserialize_seq(self)
            }

            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
                let mut first = None;
                while let Some(choice) = seq.next_element::<Choice<'a>>()? {
                    if first.is_none() && choice.index.unwrap_or(0) == 0 {
                        first = Some(choice);
                    }
                }
                Ok(FirstChoice(first))
            }
        }

        deserializer.deserialize_option(Choices(PhantomData))
    }
}

/// Where a response carries its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `choices[0].delta` (streamed) or `choices[0].message`: `content`, `reasoning_content`.
    Chat,
    /// `choices[0].text`.
    Completions,
}

/// Parses `bytes` (one event or a whole body) and applies it to `out`, as the builtins do.
pub(crate) fn apply(
    endpoint: &'static str,
    shape: Shape,
    what: &'static str,
    bytes: &[u8],
    at: Instant,
    out: &mut ParsedResponse,
) -> Result<(), EndpointError> {
    let response: Response<'_> = match serde_json::from_slice(bytes) {
        Ok(r) => r,
        // The builtins decode invalid UTF-8 lossily before parsing; do the same on that rare path.
        Err(_) if std::str::from_utf8(bytes).is_err() => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            return apply(endpoint, shape, what, text.as_bytes(), at, out);
        }
        Err(e) => return Err(EndpointError::invalid(endpoint, what, e, bytes)),
    };
    if response.error.is_some() {
        // Rare: an in-band or body error; reuse the builtin envelope reader on an owned value.
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| EndpointError::invalid(endpoint, what, e, bytes))?;
        openai::apply_envelope(value.get("error"), None, out);
    }
    if let Some(choice) = response.choices.0 {
        match shape {
            Shape::Chat => {
                if let Some(c) = choice.delta.as_ref().or(choice.message.as_ref()) {
                    let reasoning = c.reasoning_content.as_deref().or(c.reasoning.as_deref()).unwrap_or("");
                    out.push_content(at, c.content.as_deref().unwrap_or(""), reasoning);
                }
            }
            Shape::Completions => out.push_content(at, choice.text.as_deref().unwrap_or(""), ""),
        }
        if let Some(reason) = choice.finish_reason {
            out.finish_reason = Some(reason.into_owned());
        }
    }
    if let Some(usage) = response.usage {
        out.usage = Some(usage.into());
    }
    Ok(())
}
