//! The value types of [`BenchConfig`](super::BenchConfig)'s fields: an implementation pinned,
//! a flag's list of values, and the named choices (sweep type, public dataset, progress display).

use serde::{Deserialize, Serialize};

use super::named::{Named, by_name};

/// An implementation pinned for a run (`--use NAME=IMPL`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    /// The endpoint or transport name (`chat`).
    pub name: String,
    /// The implementation: type name or path (`ChatEndpoint`).
    pub implementation: String,
}

impl std::str::FromStr for Pin {
    type Err = String;

    /// `NAME=IMPL`.
    fn from_str(pin: &str) -> Result<Self, Self::Err> {
        match pin.split_once('=') {
            Some((name, implementation)) if !name.is_empty() && !implementation.is_empty() => {
                Ok(Self { name: name.to_owned(), implementation: implementation.to_owned() })
            }
            _ => Err("NAME=IMPL, e.g. chat=ChatEndpoint".to_owned()),
        }
    }
}

/// A value that may be several, one per run of a sweep: `8`, or `[1, 8, 32]` (`1,8,32` on the
/// command line). Serialized as a single value when it is one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "OneOrMany<T>", into = "OneOrMany<T>", bound(serialize = "T: Clone + Serialize", deserialize = "T: Deserialize<'de>"))]
pub struct List<T>(pub Vec<T>);

/// [`List`]'s serde form.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> From<OneOrMany<T>> for List<T> {
    fn from(value: OneOrMany<T>) -> Self {
        match value {
            OneOrMany::One(one) => Self(vec![one]),
            OneOrMany::Many(many) => Self(many),
        }
    }
}

impl<T> From<List<T>> for OneOrMany<T> {
    fn from(mut list: List<T>) -> Self {
        match list.0.len() {
            1 => Self::One(list.0.remove(0)),
            _ => Self::Many(list.0),
        }
    }
}

impl<T: std::str::FromStr> std::str::FromStr for List<T>
where
    T::Err: std::fmt::Display,
{
    type Err = String;

    /// A value, or a comma list.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let values = text
            .split(',')
            .map(|part| part.trim().parse::<T>().map_err(|e| format!("'{}': {e} (a value, or a comma list such as 1,8,32)", part.trim())))
            .collect::<Result<Vec<T>, String>>()?;
        Ok(Self(values))
    }
}

impl<T: Copy> List<T> {
    /// The value of a run: the list's only value.
    pub fn single(&self) -> Option<T> {
        match self.0[..] {
            [value] => Some(value),
            _ => None,
        }
    }
}

/// How several swept values combine (`--sweep-type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SweepType {
    /// Every combination of the swept values.
    Grid,
    /// The i-th value of each list together.
    Zip,
}

impl Named for SweepType {
    const WHAT: &'static str = "sweep type";
    const ALL: &'static [Self] = &[Self::Grid, Self::Zip];

    fn name(self) -> &'static str {
        match self {
            Self::Grid => "grid",
            Self::Zip => "zip",
        }
    }
}
by_name!(SweepType);

/// A public dataset (`--public-dataset`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublicDataset {
    /// ShareGPT conversations (vLLM's benchmark set), each human → gpt pair a turn.
    Sharegpt,
}

impl Named for PublicDataset {
    const WHAT: &'static str = "public dataset";
    const ALL: &'static [Self] = &[Self::Sharegpt];

    fn name(self) -> &'static str {
        "sharegpt"
    }
}
by_name!(PublicDataset);

/// Progress display (`--ui`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ui {
    /// No progress output.
    None,
    /// A progress bar on a terminal; plain periodic lines otherwise.
    Simple,
}

impl Named for Ui {
    const WHAT: &'static str = "progress display";
    const ALL: &'static [Self] = &[Self::None, Self::Simple];

    fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Simple => "simple",
        }
    }
}
by_name!(Ui);

/// What a run exports (`--export-level`): AIPerf's levels, but for `raw`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExportLevel {
    /// The summaries alone (JSON, CSV, console): no per-request file.
    Summary,
    /// The summaries and every request's record (`profile_export.jsonl`).
    #[default]
    Records,
}

impl Named for ExportLevel {
    const WHAT: &'static str = "export level";
    const ALL: &'static [Self] = &[Self::Summary, Self::Records];

    fn name(self) -> &'static str {
        match self {
            Self::Summary => "summary",
            Self::Records => "records",
        }
    }
}
by_name!(ExportLevel);
