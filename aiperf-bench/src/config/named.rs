//! Enums of the configuration known by their names (AIPerf's flag values): one list of names per
//! enum serves parsing, serde and the command line's possible values.

/// An enum whose values have names: `poisson`, `single_turn`.
pub trait Named: Copy + Sized + 'static {
    /// What the value is, for errors: `--arrival-pattern`.
    const WHAT: &'static str;
    /// Every value that may be given by its name, in the order help lists them.
    const ALL: &'static [Self];

    /// Its name.
    fn name(self) -> &'static str;

    /// The value named `text`, or an error naming what was wrong and the valid names.
    ///
    /// # Errors
    /// A name that is none of [`Named::ALL`]'s.
    fn from_name(text: &str) -> Result<Self, String> {
        Self::ALL.iter().copied().find(|value| value.name() == text).ok_or_else(|| {
            let names = Self::ALL.iter().map(|value| value.name()).collect::<Vec<_>>().join(", ");
            format!("unknown {} '{text}': one of {names}", Self::WHAT)
        })
    }
}

/// Serde and [`std::str::FromStr`] for a [`Named`] enum, by its names.
macro_rules! by_name {
    ($ty:ty) => {
        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str($crate::config::Named::name(*self))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                <Self as $crate::config::Named>::from_name(&text).map_err(::serde::de::Error::custom)
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = String;

            fn from_str(text: &str) -> Result<Self, String> {
                <Self as $crate::config::Named>::from_name(text)
            }
        }
    };
}

pub(crate) use by_name;

/// `--connection-reuse-strategy` by the names of core's [`aiperf_core::ConnectionReuse`].
pub(crate) mod connection_reuse {
    use aiperf_core::ConnectionReuse;
    use serde::{Deserialize, Deserializer, Serializer};

    /// By its name.
    pub fn serialize<S: Serializer>(reuse: &ConnectionReuse, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(reuse.name())
    }

    /// From its name.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<ConnectionReuse, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        ConnectionReuse::ALL.into_iter().find(|reuse| reuse.name() == text).ok_or_else(|| {
            let names = ConnectionReuse::ALL.map(ConnectionReuse::name).join(", ");
            serde::de::Error::custom(format!("unknown connection reuse strategy '{text}': one of {names}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Named;
    use crate::config::{DatasetType, PublicDataset, Sampling, SweepType, Ui};

    fn round_trips<T: Named + PartialEq + std::fmt::Debug + serde::Serialize + serde::de::DeserializeOwned>() {
        for &value in T::ALL {
            let json = serde_json::to_string(&value).unwrap();
            assert_eq!(json, format!("\"{}\"", value.name()));
            assert_eq!(serde_json::from_str::<T>(&json).unwrap(), value);
        }
        let error = T::from_name("nonsense").unwrap_err();
        assert!(error.contains(T::WHAT) && error.contains(T::ALL[0].name()), "{error}");
    }

    #[test]
    fn every_name_parses_back_and_a_wrong_one_lists_the_right_ones() {
        round_trips::<SweepType>();
        round_trips::<PublicDataset>();
        round_trips::<Ui>();
        round_trips::<DatasetType>();
        round_trips::<Sampling>();
    }
}
