//! Keeping credentials out of every output: the command line recorded in exports, the console,
//! error messages and the records (a server may quote a rejected key back).
//!
//! Two layers: the command line is redacted by its structure (the values of `--api-key`, of
//! credential headers given with `-H`, and URL passwords), and [`Secrets`] scrubs the known secret
//! values from any text written out, whatever put them there.

use std::borrow::Cow;
use std::ffi::OsString;

mod keys;

pub use keys::{has_key, scrub_keys};

/// What replaces a hidden value.
pub const HIDDEN: &str = "<redacted>";

/// Headers whose values are never secret: the only ones a recorded command line shows.
const SAFE_HEADERS: [&str; 10] = [
    "accept",
    "accept-encoding",
    "accept-language",
    "cache-control",
    "connection",
    "content-encoding",
    "content-type",
    "pragma",
    "user-agent",
    "x-request-id",
];

/// Whether a header's value is never a secret (`Accept`, `Content-Type`, `User-Agent` and a few more).
pub fn is_safe_header(name: &str) -> bool {
    SAFE_HEADERS.iter().any(|safe| safe.eq_ignore_ascii_case(name.trim()))
}

/// Whether a header (or an `--extra-inputs` key) carries a credential: one of its words, split at
/// `-` and `_`, names one (`Authorization`, `Cookie`, `X-Api-Key`, `X-Auth-Token`, `api_key`,
/// `client_secret`). Whole words only: `max_tokens` is not a token.
pub fn is_credential_header(name: &str) -> bool {
    const WORDS: [&str; 17] = [
        "authorization",
        "auth",
        "cookie",
        "set-cookie",
        "key",
        "apikey",
        "token",
        "secret",
        "password",
        "passwd",
        "credential",
        "credentials",
        "session",
        "bearer",
        "jwt",
        "sig",
        "signature",
    ];
    name.trim().to_ascii_lowercase().split(['-', '_']).any(|word| WORDS.contains(&word))
}

/// The user information (`user:password`) of a URL, if it has any.
pub fn url_userinfo(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority.rsplit_once('@').map(|(userinfo, _)| userinfo)
}

/// The values of a URL's query parameters that carry credentials (`?api_key=…`, `token`, `sig`).
pub fn url_query_secrets(url: &str) -> impl Iterator<Item = &str> {
    let query = url.split_once('?').map_or("", |(_, query)| query.split('#').next().unwrap_or(query));
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(name, value)| is_credential_header(name) && !value.is_empty())
        .map(|(_, v)| v)
}

/// `url` with its user information and its credential query values hidden
/// (`http://<redacted>@host/v1?api_key=<redacted>`).
pub fn url(url: &str) -> Cow<'_, str> {
    let mut out = match url_userinfo(url) {
        Some(userinfo) => Cow::Owned(url.replacen(&format!("{userinfo}@"), &format!("{HIDDEN}@"), 1)),
        None => Cow::Borrowed(url),
    };
    let secrets: Vec<String> = url_query_secrets(&out).map(|value| format!("={value}")).collect();
    for secret in secrets {
        out = Cow::Owned(out.replacen(&secret, &format!("={HIDDEN}"), 1));
    }
    out
}

/// A `-H` value as it may be shown: the value hidden unless the header is one whose values are
/// never secret ([`is_safe_header`]), and then still without anything shaped like a key; all of it
/// hidden when it is not `Name:Value`.
pub fn header(header: &str) -> Cow<'_, str> {
    match header.split_once(':') {
        Some((name, _)) if is_safe_header(name) => scrub_keys(header),
        Some((name, _)) => Cow::Owned(format!("{name}: {HIDDEN}")),
        None => Cow::Borrowed(HIDDEN),
    }
}

/// The command line as it may be recorded: shell-quoted words, with the value of `--api-key`,
/// of every header but the few never secret ([`header`]), URL user information, and anything
/// shaped like a key ([`scrub_keys`]) hidden. Arguments that are not UTF-8 are written lossily.
pub fn command_line(args: &[OsString]) -> String {
    let mut words = Vec::with_capacity(args.len());
    let mut hide_next: Option<fn(&str) -> Cow<'_, str>> = None;
    for arg in args {
        let arg = arg.to_string_lossy();
        let word = if let Some(hide) = hide_next.take() {
            hide(&arg).into_owned()
        } else if arg == "--api-key" {
            hide_next = Some(|_| Cow::Borrowed(HIDDEN));
            arg.into_owned()
        } else if arg == "-H" || arg == "--header" {
            hide_next = Some(header);
            arg.into_owned()
        } else if arg == "-u" || arg == "--url" {
            hide_next = Some(url);
            arg.into_owned()
        } else if let Some(value) = arg.strip_prefix("--url=") {
            format!("--url={}", url(value))
        } else if let Some(_key) = arg.strip_prefix("--api-key=") {
            format!("--api-key={HIDDEN}")
        } else if let Some(value) = arg.strip_prefix("--header=") {
            format!("--header={}", header(value))
        } else if let Some(value) = arg.strip_prefix("-H").filter(|v| !v.is_empty()) {
            format!("-H{}", header(value))
        } else if arg.contains("://") {
            url(&arg).into_owned()
        } else {
            arg.into_owned()
        };
        words.push(shell_quote(&scrub_keys(&word)).into_owned());
    }
    words.join(" ")
}

fn shell_quote(word: &str) -> Cow<'_, str> {
    let plain = !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_=:/.,@+%".contains(c));
    if plain { Cow::Borrowed(word) } else { Cow::Owned(format!("'{}'", word.replace('\'', r"'\''"))) }
}

/// The secret values of one run, scrubbed from any text before it is written out.
#[derive(Clone, Debug, Default)]
pub struct Secrets {
    values: Vec<String>,
}

impl Secrets {
    /// The secrets among an API key, `Name:Value` headers and a URL.
    pub fn new<'a>(api_key: Option<&str>, headers: impl IntoIterator<Item = &'a str>, url: Option<&str>) -> Self {
        let mut values: Vec<String> = Vec::new();
        values.extend(api_key.map(str::to_owned));
        for header in headers {
            match header.split_once(':') {
                Some((name, value)) if is_credential_header(name) || has_key(value) => {
                    let value = value.trim();
                    values.push(value.to_owned());
                    // `Bearer sk-…`: the token alone may be quoted back too.
                    values.extend(value.split_once(' ').map(|(_, token)| token.trim().to_owned()));
                }
                Some(_) => {}
                None => values.push(header.trim().to_owned()),
            }
        }
        values.extend(url.into_iter().flat_map(url_query_secrets).map(str::to_owned));
        if let Some(userinfo) = url.and_then(url_userinfo) {
            values.push(userinfo.to_owned());
            values.extend(userinfo.split_once(':').map(|(_, password)| password.to_owned()));
        }
        // Very short values would scrub ordinary words; longest first so a token inside a header
        // value does not leave the rest of it behind.
        values.retain(|v| v.len() >= 4);
        // Each value also as JSON writes it inside a string (quotes and backslashes escaped),
        // computed once: scrubbing runs for every record written.
        let escaped: Vec<String> = values
            .iter()
            .map(|v| serde_json::to_string(v).unwrap_or_default().trim_matches('"').to_owned())
            .filter(|e| !values.contains(e))
            .collect();
        values.extend(escaped);
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        values.dedup();
        Self { values }
    }

    /// Whether there is nothing to scrub.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `text` with every secret value (and its JSON-escaped form) replaced by [`HIDDEN`].
    pub fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        for value in &self.values {
            if out.contains(value.as_str()) {
                out = Cow::Owned(out.replace(value.as_str(), HIDDEN));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(args: &[&str]) -> String {
        command_line(&args.iter().map(OsString::from).collect::<Vec<_>>())
    }

    #[test]
    fn the_command_line_hides_keys_credential_headers_and_url_passwords() {
        let recorded = line(&[
            "aiperf",
            "profile",
            "--api-key",
            "sk-live-123",
            "-H",
            "Authorization: Bearer sk-live-456",
            "-H",
            "X-Trace: 7",
            "--header=X-Api-Key:abc123",
            "-HCookie:session=1",
            "--api-key=sk-2",
            "--url",
            "http://bob:hunter2@10.0.0.1:8000/v1",
            "-u",
            "ann:pw-9@localhost:8000",
            "--extra-inputs",
            "user:me@example.com",
        ]);
        for secret in ["sk-live-123", "sk-live-456", "abc123", "session=1", "sk-2", "hunter2", "bob", "ann", "pw-9"] {
            assert!(!recorded.contains(secret), "{secret} in {recorded}");
        }
        assert!(recorded.contains("'X-Trace: <redacted>'"), "any header's value is hidden: {recorded}");
        assert!(recorded.contains("http://<redacted>@10.0.0.1:8000/v1"), "{recorded}");
        let with_query = line(&["aiperf", "--url", "https://h/v1?api-version=2024-06-01&api_key=k3y-v4lue&sig=abcd1234"]);
        assert!(with_query.ends_with("'https://h/v1?api-version=2024-06-01&api_key=<redacted>&sig=<redacted>'"), "{with_query}");
        let secrets = Secrets::new(None, [], Some("https://h/v1?api_key=k3y-v4lue"));
        assert_eq!(secrets.scrub("cannot connect to https://h/v1?api_key=k3y-v4lue"), "cannot connect to https://h/v1?api_key=<redacted>");
        assert!(recorded.contains("-u '<redacted>@localhost:8000'"), "{recorded}");
        assert!(recorded.ends_with("--extra-inputs user:me@example.com"), "other words with @ stay: {recorded}");
        assert!(recorded.starts_with("aiperf profile --api-key '<redacted>' -H 'Authorization: <redacted>'"), "{recorded}");
    }

    #[test]
    fn only_headers_never_secret_show_their_values_and_keys_are_hidden_anywhere() {
        let recorded = line(&[
            "aiperf",
            "-H",
            "X-Trace: sk-proj-0123456789abcdefghij",
            "-H",
            "X-Tenant: acme-prod",
            "-H",
            "Content-Type: application/json",
            "-H",
            "accept:text/event-stream",
            "--extra-inputs",
            "api_token:nvapi-0123456789abcdefghij",
            "--extra-inputs",
            "temperature:0.7",
        ]);
        for secret in ["sk-proj", "acme-prod", "nvapi-"] {
            assert!(!recorded.contains(secret), "{secret} in {recorded}");
        }
        for shown in ["'Content-Type: application/json'", "accept:text/event-stream", "temperature:0.7"] {
            assert!(recorded.contains(shown), "{shown} in {recorded}");
        }
        // A key in an ordinary header is scrubbed from every output, as a credential header's is.
        let secrets = Secrets::new(None, ["X-Trace: sk-proj-0123456789abcdefghij", "X-Tenant: acme-prod"], None);
        assert_eq!(secrets.scrub("echo sk-proj-0123456789abcdefghij acme-prod"), "echo <redacted> acme-prod");
    }

    #[test]
    fn non_utf8_arguments_are_written_lossily() {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStringExt;
            let args = vec![OsString::from("aiperf"), OsString::from_vec(b"out-\xff".to_vec())];
            assert_eq!(command_line(&args), "aiperf 'out-\u{fffd}'");
        }
    }

    #[test]
    fn secrets_are_scrubbed_from_any_text() {
        let secrets =
            Secrets::new(Some("sk-live-123"), ["Authorization: Bearer tok\"en-9", "Accept: text/plain"], Some("http://u:pw-secret@h"));
        let text = r#"{"message":"invalid key sk-live-123","echo":"Bearer tok\"en-9","url":"http://u:pw-secret@h","accept":"text/plain"}"#;
        let scrubbed = secrets.scrub(text);
        for secret in ["sk-live-123", "tok\\\"en-9", "pw-secret"] {
            assert!(!scrubbed.contains(secret), "{secret} in {scrubbed}");
        }
        assert!(scrubbed.contains("text/plain"), "non-credential headers stay");
        assert!(Secrets::new(None, [], None).is_empty());
        // An ordinary extra input is no secret: its value must not be scrubbed out of numbers.
        assert!(Secrets::new(None, ["max_tokens:1024", "temperature:0.7"], None).is_empty());
    }

    #[test]
    fn credential_headers_are_recognised_by_name() {
        for name in ["Authorization", "proxy-authorization", "X-Api-Key", "api-key", "X-Auth-Token", "Cookie", "X-Client-Secret"] {
            assert!(is_credential_header(name), "{name}");
        }
        for name in ["Accept", "Content-Type", "X-Request-Id", "User-Agent", "max_tokens", "X-Max-Tokens", "keyword", "monkey"] {
            assert!(!is_credential_header(name), "{name}");
        }
    }
}
