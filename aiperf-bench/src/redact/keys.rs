//! Values shaped like credentials, wherever they stand: API keys by their vendors' prefixes
//! (`sk-…`, NVIDIA's `nvapi-…`, Hugging Face's `hf_…`, GitHub's, Slack's, Google's) and the token
//! after `Bearer`. A key given where no rule expects one (`-H 'X-Trace: sk-…'`, an extra input)
//! is still hidden.

use std::borrow::Cow;

use super::HIDDEN;

/// Prefixes of API keys, and the fewest key characters after one that make a key (so that a
/// word such as `sk-learn` stays).
const PREFIXES: [(&str, usize); 8] =
    [("sk-", 16), ("nvapi-", 16), ("hf_", 16), ("ghp_", 16), ("github_pat_", 16), ("xoxb-", 16), ("xoxp-", 16), ("AIza", 20)];

/// Whether `c` may be part of a key or token.
fn key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '+' | '/' | '=')
}

/// Whether `text` holds a value shaped like a credential.
pub fn has_key(text: &str) -> bool {
    matches!(scrub_keys(text), Cow::Owned(_))
}

/// `text` with every value shaped like a credential replaced by [`HIDDEN`]: a key with a known
/// prefix (standing at a word's start), and the token after `Bearer `.
pub fn scrub_keys(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        let word_start = text[..at].chars().next_back().is_none_or(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_')));
        let hidden = if word_start { key_at(rest) } else { None };
        match hidden {
            Some((keep, length)) => {
                out.push_str(&text[copied..at + keep]);
                out.push_str(HIDDEN);
                at += keep + length;
                copied = at;
            }
            None => at += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// At the start of `rest` (a word's start): how much to keep, then how long the secret is.
fn key_at(rest: &str) -> Option<(usize, usize)> {
    let run = |from: usize| rest[from..].find(|c: char| !key_char(c)).unwrap_or(rest.len() - from);
    if rest.as_bytes().get(..7).is_some_and(|head| head.eq_ignore_ascii_case(b"bearer ")) {
        let token = run(7);
        return (token > 0).then_some((7, token));
    }
    PREFIXES.iter().find_map(|&(prefix, least)| {
        let key = rest.starts_with(prefix).then(|| run(0))?;
        (key >= prefix.len() + least).then_some((0, key))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_by_their_prefixes_and_bearer_tokens_are_hidden() {
        let cases = [
            ("X-Trace: sk-proj-abcdefghijklmnop1234", "X-Trace: <redacted>"),
            ("key=nvapi-0123456789abcdef0123 rest", "key=<redacted> rest"),
            ("Authorization: Bearer eyJhbGciOi.J9x", "Authorization: Bearer <redacted>"),
            ("bearer tok", "bearer <redacted>"),
            ("hf_ABCDEFGHIJKLMNOPQRST and ghp_0123456789abcdef0123", "<redacted> and <redacted>"),
        ];
        for (text, scrubbed) in cases {
            assert_eq!(scrub_keys(text), scrubbed, "{text}");
            assert!(has_key(text), "{text}");
        }
        // Words that only start like a key stay.
        for text in
            ["scikit sk-learn", "task-sk-0123456789abcdef0123", "the bearer", "max_tokens:128", "Bearer", "stop:Привет мир", "模型 名字"]
        {
            assert_eq!(scrub_keys(text), text, "{text}");
            assert!(!has_key(text), "{text}");
        }
    }
}
