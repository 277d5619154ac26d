//! Applying one OpenAI response object (a stream chunk or a whole body) to the record: first with
//! the single-pass [`reader`](crate::reader), and for what it declines, with borrowed serde views
//! of the builtins' types (strings stay in the input unless they hold escapes, and only choice 0
//! is kept, without collecting the `choices` array).

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::time::Instant;

use aiperf_core::{EndpointError, ParsedResponse};
use aiperf_endpoints::openai::{self, WireUsage};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};

use crate::reader;

/// Where a response carries its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `choices[0].delta` (streamed) or `choices[0].message`: `content`, `reasoning_content`.
    Chat,
    /// `choices[0].text`.
    Completions,
}

/// One response object, with the choice type of its shape (the fields the builtin of that shape
/// reads, and no others, so that both accept the same objects).
#[derive(Deserialize)]
#[serde(bound = "C: Deserialize<'de> + Indexed")]
struct Response<C> {
    #[serde(default = "FirstChoice::none")]
    choices: FirstChoice<C>,
    usage: Option<WireUsage>,
    error: Option<IgnoredAny>,
}

/// The `error` of a response object, as a JSON value.
#[derive(Deserialize)]
struct ErrorEnvelope {
    error: Option<serde_json::Value>,
}

/// A choice that knows its `index`.
trait Indexed {
    fn index(&self) -> u32;
}

#[derive(Deserialize)]
struct ChatChoice<'a> {
    #[serde(default)]
    index: Option<u32>,
    #[serde(borrow)]
    delta: Option<Content<'a>>,
    #[serde(borrow)]
    message: Option<Content<'a>>,
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

#[derive(Deserialize)]
struct CompletionsChoice<'a> {
    #[serde(default)]
    index: Option<u32>,
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow)]
    finish_reason: Option<Cow<'a, str>>,
}

impl Indexed for ChatChoice<'_> {
    fn index(&self) -> u32 {
        self.index.unwrap_or(0)
    }
}

impl Indexed for CompletionsChoice<'_> {
    fn index(&self) -> u32 {
        self.index.unwrap_or(0)
    }
}

/// Choice 0 of a `choices` array (missing, `null` and `[]` all mean none).
struct FirstChoice<C>(Option<C>);

impl<C> FirstChoice<C> {
    fn none() -> Self {
        Self(None)
    }
}

impl<'de, C: Deserialize<'de> + Indexed> Deserialize<'de> for FirstChoice<C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Choices<C>(PhantomData<C>);

        impl<'de, C: Deserialize<'de> + Indexed> Visitor<'de> for Choices<C> {
            type Value = FirstChoice<C>;

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
                while let Some(choice) = seq.next_element::<C>()? {
                    if first.is_none() && choice.index() == 0 {
                        first = Some(choice);
                    }
                }
                Ok(FirstChoice(first))
            }
        }

        deserializer.deserialize_option(Choices(PhantomData))
    }
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
    // What servers send is read in one pass; anything else goes through serde below.
    if let Some(read) = reader::read(bytes, shape) {
        if let Some(choice) = read.choice {
            push(out, at, choice.text.as_deref(), choice.reasoning.as_deref(), choice.finish_reason);
        }
        if let Some(usage) = read.usage {
            out.usage = Some(usage.into());
        }
        return Ok(());
    }
    let parsed = match shape {
        Shape::Chat => serde_json::from_slice::<Response<ChatChoice<'_>>>(bytes).map(|r| {
            let choice = r.choices.0.map(|c| {
                let content = c.delta.or(c.message);
                let reasoning = content.as_ref().and_then(|c| c.reasoning_content.clone().or_else(|| c.reasoning.clone()));
                (content.and_then(|c| c.content), reasoning, c.finish_reason)
            });
            (choice, r.usage, r.error.is_some())
        }),
        Shape::Completions => serde_json::from_slice::<Response<CompletionsChoice<'_>>>(bytes)
            .map(|r| (r.choices.0.map(|c| (c.text, None, c.finish_reason)), r.usage, r.error.is_some())),
    };
    let (choice, usage, has_error) = match parsed {
        Ok(parsed) => parsed,
        // The builtins decode invalid UTF-8 lossily before parsing; do the same on that rare path.
        Err(_) if std::str::from_utf8(bytes).is_err() => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            return apply(endpoint, shape, what, text.as_bytes(), at, out);
        }
        Err(e) => return Err(EndpointError::invalid(endpoint, what, e, bytes)),
    };
    if has_error {
        // Rare: an in-band or body error; reuse the builtin envelope reader on the error alone (as
        // the builtins read it: the rest of the object is not parsed into values).
        let envelope: ErrorEnvelope = serde_json::from_slice(bytes).map_err(|e| EndpointError::invalid(endpoint, what, e, bytes))?;
        openai::apply_envelope(envelope.error.as_ref(), None, out);
    }
    if let Some((text, reasoning, finish_reason)) = choice {
        push(out, at, text.as_deref(), reasoning.as_deref(), finish_reason);
    }
    if let Some(usage) = usage {
        out.usage = Some(usage.into());
    }
    Ok(())
}

/// Records choice 0's text, reasoning and finish reason.
fn push(out: &mut ParsedResponse, at: Instant, text: Option<&str>, reasoning: Option<&str>, finish_reason: Option<Cow<'_, str>>) {
    out.push_content(at, text.unwrap_or(""), reasoning.unwrap_or(""));
    if let Some(reason) = finish_reason {
        out.finish_reason = Some(reason.into_owned());
    }
}
