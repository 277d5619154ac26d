//! Reading typed values out of a manifest's TOML, with errors that name the dotted key.

use toml::{Table as TomlTable, Value};

use crate::{Source, TableError};

/// A TOML syntax error, reported against the dotted key of the line it points at (a duplicate
/// table or key, a bad value), with the line number.
pub(crate) fn syntax_error(source: &Source, manifest: &str, error: &toml::de::Error) -> TableError {
    let Some(offset) = error.span().map(|span| span.start) else {
        return source.error("Cargo.toml", format!("not valid TOML: {}", error.message()));
    };
    let line_number = manifest[..offset.min(manifest.len())].matches('\n').count() + 1;
    let mut table = String::new();
    let mut key = String::from("Cargo.toml");
    for (index, line) in manifest.lines().enumerate().take(line_number) {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[').map(|l| l.trim_start_matches('[').split(']').next().unwrap_or("").trim()) {
            table = header.to_owned();
            if index + 1 == line_number {
                key = table.clone();
            }
        } else if index + 1 == line_number
            && let Some((name, _)) = line.split_once('=')
        {
            let name = name.trim().trim_matches('"');
            key = if table.is_empty() { name.to_owned() } else { format!("{table}.{name}") };
        }
    }
    source.error(key, format!("not valid TOML (line {line_number}): {}", error.message().trim()))
}

/// Typed access to one TOML table at a known dotted key.
pub(crate) struct At<'a> {
    pub source: &'a Source,
    pub table: &'a TomlTable,
    pub key: &'a str,
}

impl<'a> At<'a> {
    /// `value` as a table.
    pub fn table(source: &'a Source, value: &'a Value, key: &'a str) -> Result<Self, TableError> {
        let table = value.as_table().ok_or_else(|| source.error(key, format!("expected a table, found {}", value.type_str())))?;
        Ok(Self { source, table, key })
    }

    pub fn error(&self, field: &str, message: impl Into<String>) -> TableError {
        self.source.error(format!("{}.{field}", self.key), message)
    }

    /// Rejects keys outside `allowed`, naming the allowed ones.
    pub fn only(&self, allowed: &[&str], what: &str) -> Result<(), TableError> {
        match self.table.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(self.error(k, format!("unknown key: {what} has {}", quoted(allowed)))),
            None => Ok(()),
        }
    }

    pub fn required_str(&self, field: &str) -> Result<String, TableError> {
        self.optional_str(field)?.ok_or_else(|| self.error(field, "missing: this key is required"))
    }

    pub fn optional_str(&self, field: &str) -> Result<Option<String>, TableError> {
        self.table
            .get(field)
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| self.error(field, format!("expected a string, found {}", v.type_str()))))
            .transpose()
    }

    pub fn required_bool(&self, field: &str) -> Result<bool, TableError> {
        match self.table.get(field) {
            Some(Value::Boolean(b)) => Ok(*b),
            Some(v) => Err(self.error(field, format!("expected true or false, found {}", v.type_str()))),
            None => Err(self.error(field, "missing: this key is required (true or false)")),
        }
    }

    pub fn optional_bool(&self, field: &str) -> Result<Option<bool>, TableError> {
        match self.table.get(field) {
            Some(Value::Boolean(b)) => Ok(Some(*b)),
            Some(v) => Err(self.error(field, format!("expected true or false, found {}", v.type_str()))),
            None => Ok(None),
        }
    }

    pub fn optional_int(&self, field: &str) -> Result<Option<i64>, TableError> {
        match self.table.get(field) {
            Some(Value::Integer(i)) => Ok(Some(*i)),
            Some(v) => Err(self.error(field, format!("expected an integer, found {}", v.type_str()))),
            None => Ok(None),
        }
    }

    pub fn string_list(&self, field: &str, example: &str) -> Result<Vec<String>, TableError> {
        let value = self.table.get(field).ok_or_else(|| self.error(field, format!("missing: this key is required, e.g. {example}")))?;
        let list = value.as_array().ok_or_else(|| self.error(field, format!("expected an array of strings, e.g. {example}")))?;
        list.iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| self.error(field, format!("found {}, expected a string", v.type_str()))))
            .collect()
    }
}

pub(crate) fn quoted(keys: &[&str]) -> String {
    keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}
