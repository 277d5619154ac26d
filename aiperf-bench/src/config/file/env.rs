//! `${VAR}` and `${VAR:default}` in a configuration file's string values, as AIPerf substitutes
//! them before reading it: the environment's value (even empty), else the default, else an error
//! naming the variable. A value that is one reference alone becomes a boolean, a whole number or
//! a number when it reads as one (`numRuns: ${RUNS:3}` is 3).

use serde_json::Value;

/// `value` with every reference in its strings substituted, `lookup` giving the environment.
pub(super) fn substitute(value: &mut Value, lookup: &dyn Fn(&str) -> Option<String>) -> Result<(), String> {
    match value {
        Value::String(text) if text.contains("${") => *value = expand(text, lookup)?,
        Value::Array(items) => items.iter_mut().try_for_each(|item| substitute(item, lookup))?,
        Value::Object(map) => map.values_mut().try_for_each(|item| substitute(item, lookup))?,
        _ => {}
    }
    Ok(())
}

/// One string, substituted; typed when it was one reference alone.
fn expand(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Value, String> {
    let (mut out, mut rest, mut references) = (String::new(), text, 0);
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let inner = &rest[start + 2..];
        let end = inner.find('}').ok_or_else(|| format!("'{text}': '${{' opens a reference that no '}}' closes"))?;
        let (name, default) = inner[..end].split_once(':').map_or((&inner[..end], None), |(n, d)| (n, Some(d)));
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(format!("'{text}': '{name}' is no variable name (letters, digits and _)"));
        }
        let resolved = lookup(name)
            .or_else(|| default.map(str::to_owned))
            .ok_or_else(|| format!("the environment variable {name} is not set (write ${{{name}:default}} to give a default)"))?;
        out.push_str(&resolved);
        rest = &inner[end + 1..];
        references += 1;
    }
    out.push_str(rest);
    let alone = references == 1 && text.starts_with("${") && text.ends_with('}');
    Ok(if alone { typed(out) } else { Value::String(out) })
}

/// A value read from its text as AIPerf coerces one: a boolean, a whole number, a number, or the
/// text. Only a number written as one reads it back is taken as one (`007` and `1e5` stay text:
/// a header's or a key's value is not rewritten); a field that takes text gets its text back.
fn typed(text: String) -> Value {
    match text.to_ascii_lowercase().as_str() {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(n) = text.parse::<i64>()
        && n.to_string() == text
    {
        return Value::from(n);
    }
    let plain = text.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-') && text.contains('.');
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() && plain && !text.starts_with("00") => Value::from(n),
        _ => Value::String(text),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    fn env(name: &str) -> Option<String> {
        match name {
            "KEY" => Some("sk-abc".to_owned()),
            "RUNS" => Some("3".to_owned()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn references_are_substituted_and_typed_when_alone() {
        let mut value = json!({ "apiKey": "${KEY}", "runs": "${RUNS}", "url": "http://${HOST:localhost}:${PORT:8000}/v1", "flag": "${ON:true}", "e": "${EMPTY:x}" });
        super::substitute(&mut value, &env).unwrap();
        assert_eq!(value, json!({ "apiKey": "sk-abc", "runs": 3, "url": "http://localhost:8000/v1", "flag": true, "e": "" }));
        let mut kept = json!(["${Z:007}", "${Z:1e5}", "${Z:0.25}"]);
        super::substitute(&mut kept, &env).unwrap();
        assert_eq!(kept, json!(["007", "1e5", 0.25]), "only numbers written as they read back are numbers");
    }

    #[test]
    fn a_missing_variable_and_an_open_reference_are_named() {
        let error = super::substitute(&mut json!(["${NOPE}"]), &env).unwrap_err();
        assert!(error.contains("NOPE") && error.contains("${NOPE:default}"), "{error}");
        assert!(super::substitute(&mut json!("a ${KEY"), &env).unwrap_err().contains("no '}' closes"));
    }
}
