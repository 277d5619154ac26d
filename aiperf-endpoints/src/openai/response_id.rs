//! A response object's `id`, as the builtins read it: a string is kept; any other value is skipped
//! as serde skips a field it does not know (nested strings are not unescaped), so that reading
//! the id accepts exactly what ignoring it accepted.

use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// `id`: the string, or `None` for any other value.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ResponseId(pub Option<String>);

impl<'de> Deserialize<'de> for ResponseId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(IdVisitor)
    }
}

struct IdVisitor;

impl<'de> Visitor<'de> for IdVisitor {
    type Value = ResponseId;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E>(self, id: &str) -> Result<ResponseId, E> {
        Ok(ResponseId(Some(id.to_owned())))
    }

    fn visit_string<E>(self, id: String) -> Result<ResponseId, E> {
        Ok(ResponseId(Some(id)))
    }

    fn visit_bool<E>(self, _: bool) -> Result<ResponseId, E> {
        Ok(ResponseId(None))
    }

    fn visit_i64<E>(self, _: i64) -> Result<ResponseId, E> {
        Ok(ResponseId(None))
    }

    fn visit_u64<E>(self, _: u64) -> Result<ResponseId, E> {
        Ok(ResponseId(None))
    }

    fn visit_f64<E>(self, _: f64) -> Result<ResponseId, E> {
        Ok(ResponseId(None))
    }

    fn visit_unit<E>(self) -> Result<ResponseId, E> {
        Ok(ResponseId(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ResponseId, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(ResponseId(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ResponseId, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(ResponseId(None))
    }
}
