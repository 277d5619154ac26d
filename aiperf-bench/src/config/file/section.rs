//! Reading one mapping of a configuration file: its keys in snake_case or camelCase (AIPerf
//! accepts both), each read at most once, and any key left unread refused by its dotted path,
//! with the closest known key.

use serde_json::Value;

/// A mapping being read, at `path` (`benchmark.endpoint`).
pub(super) struct Section<'a> {
    path: String,
    entries: Vec<(String, &'a Value, bool)>,
    known: &'static [&'static str],
}

/// What is wrong in the file: where, and why.
pub(super) type Wrong = (String, String);

/// `camelCase` as `snake_case`.
pub(super) fn snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

impl<'a> Section<'a> {
    /// The mapping `value` at `path`, whose keys are among `known`.
    pub fn new(path: impl Into<String>, value: &'a Value, known: &'static [&'static str]) -> Result<Self, Wrong> {
        let path = path.into();
        let Value::Object(map) = value else { return Err((path, format!("a mapping of {}", known.join(", ")))) };
        let entries = map.iter().map(|(key, value)| (snake(key), value, false)).collect();
        Ok(Self { path, entries, known })
    }

    /// Where `key` is.
    pub fn at(&self, key: &str) -> String {
        if self.path.is_empty() { key.to_owned() } else { format!("{}.{key}", self.path) }
    }

    /// The value of `key` (in either spelling), if given and not null; marked read.
    pub fn take(&mut self, key: &str) -> Option<&'a Value> {
        let entry = self.entries.iter_mut().find(|(k, ..)| k == key)?;
        entry.2 = true;
        Some(entry.1).filter(|v| !v.is_null())
    }

    /// The value of `key`, if given, without marking it read.
    pub fn peek(&self, key: &str) -> Option<&'a Value> {
        self.entries.iter().find(|(k, ..)| k == key).map(|(_, v, _)| *v).filter(|v| !v.is_null())
    }

    /// Refuses the first key not read: unknown, with the closest known one, or known but not
    /// taken by aiperf (`unsupported`, for keys whose meaning aiperf does not have).
    pub fn finish(self, unsupported: &[(&str, &str)]) -> Result<(), Wrong> {
        let Some((key, ..)) = self.entries.iter().find(|(_, _, read)| !read) else { return Ok(()) };
        if let Some((_, why)) = unsupported.iter().find(|(k, _)| k == key) {
            return Err((self.at(key), (*why).to_owned()));
        }
        let closest = self.known.iter().map(|k| (strsim::jaro_winkler(k, key), k)).max_by(|a, b| a.0.total_cmp(&b.0));
        let hint = match closest {
            Some((score, k)) if score > 0.8 => format!(" (did you mean '{k}'?)"),
            _ => String::new(),
        };
        Err((self.at(key), format!("unknown key{hint}: one of {}", self.known.join(", "))))
    }
}

/// The number at `path`.
pub(super) fn number(path: &str, value: &Value) -> Result<f64, Wrong> {
    value.as_f64().ok_or_else(|| (path.to_owned(), format!("a number, not {value}")))
}

/// The whole number at `path`.
pub(super) fn whole(path: &str, value: &Value) -> Result<u64, Wrong> {
    value.as_u64().ok_or_else(|| (path.to_owned(), format!("a whole number of 0 or more, not {value}")))
}

/// The string at `path`.
pub(super) fn text<'v>(path: &str, value: &'v Value) -> Result<&'v str, Wrong> {
    value.as_str().ok_or_else(|| (path.to_owned(), format!("a string, not {value}")))
}

/// Seconds at `path`: a number, or AIPerf's `"30s"`, `"5m"`, `"2h"` (`sec`, `min`, `hr`, `hour`).
pub(super) fn seconds(path: &str, value: &Value) -> Result<f64, Wrong> {
    if let Some(n) = value.as_f64() {
        return Ok(n);
    }
    let wrong = || (path.to_owned(), format!("seconds: a number, or \"30s\", \"5m\", \"2h\", not {value}"));
    let text = value.as_str().ok_or_else(wrong)?.trim().to_ascii_lowercase();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().map_err(|_| wrong())?;
    let scale = match unit.trim() {
        "" | "s" | "sec" => 1.0,
        "m" | "min" => 60.0,
        "h" | "hr" | "hour" => 3600.0,
        _ => return Err(wrong()),
    };
    Ok(number * scale)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn keys_are_read_in_either_spelling_and_the_unread_are_refused() {
        let value = json!({ "gracePeriod": 3, "requets": 5 });
        let mut section = super::Section::new("benchmark.phases[1]", &value, &["grace_period", "requests"]).unwrap();
        assert_eq!(section.take("grace_period"), Some(&json!(3)));
        let (at, why) = section.finish(&[]).unwrap_err();
        assert_eq!(at, "benchmark.phases[1].requets");
        assert!(why.contains("did you mean 'requests'"), "{why}");
    }

    #[test]
    fn durations_take_aiperf_s_units() {
        for (value, seconds) in
            [(json!(90), 90.0), (json!("30s"), 30.0), (json!("5m"), 300.0), (json!("2h"), 7200.0), (json!("1.5 min"), 90.0)]
        {
            assert_eq!(super::seconds("d", &value).unwrap(), seconds, "{value}");
        }
        assert!(super::seconds("d", &json!("5 days")).is_err());
    }
}
