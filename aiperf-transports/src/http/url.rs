//! The http transports' base URL: scheme, authority and path prefix of the parsed `--url`.

use std::fmt;
use std::sync::OnceLock;

use aiperf_core::{ConfigError, Url};
use http::Uri;

/// A server's base URL: scheme, authority, an optional path prefix (`http://host:8000/v1`) and
/// query string, joined with an endpoint's path as users expect ([`BaseUrl::join`]).
#[derive(Clone, Debug)]
pub struct BaseUrl {
    scheme: String,
    authority: String,
    prefix: String,
    /// The base URL's query string (without `?`), kept on every joined URI.
    query: Option<String>,
    /// The first path joined and its URI: a run sends every request to one path, and cloning a
    /// URI costs two reference counts where parsing it again costs a format and a parse.
    first_join: OnceLock<(Box<str>, Uri)>,
}

impl PartialEq for BaseUrl {
    fn eq(&self, other: &Self) -> bool {
        (&self.scheme, &self.authority, &self.prefix, &self.query) == (&other.scheme, &other.authority, &other.prefix, &other.query)
    }
}

impl Eq for BaseUrl {}

impl BaseUrl {
    /// The base URL of the http transports from a parsed `--url`
    /// ([`parse_server_url`](aiperf_core::parse_server_url)).
    ///
    /// # Errors
    /// [`ConfigError::InvalidUrl`] naming what is wrong.
    pub fn new(url: &Url) -> Result<Self, ConfigError> {
        let invalid = |reason: &str| ConfigError::InvalidUrl { url: url.to_string(), reason: reason.to_owned() };
        // `h2c://` and `h2://` are how a URL selects the http2 transport; on the wire they are http(s).
        let scheme = match url.scheme() {
            "http" | "h2c" => "http",
            "https" | "h2" => "https",
            _ => return Err(invalid("the http transports take http:// or https:// URLs (h2c:// and h2:// select HTTP/2)")),
        };
        let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| invalid("no host"))?;
        // A scheme's default port is implied (the url crate drops it when written out).
        let authority = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        let prefix = url.path().trim_end_matches('/').to_owned();
        let query = url.query().map(str::to_owned);
        Ok(Self { scheme: scheme.to_owned(), authority, prefix, query, first_join: OnceLock::new() })
    }

    /// Whether the scheme is `https`.
    pub fn is_https(&self) -> bool {
        self.scheme == "https"
    }

    /// The full URI of `path` (`/v1/chat/completions`) on this server, joined the way users write
    /// `--url` (AIPerf 0.13's rules, so the same `--url` reaches the same place with either tool):
    /// - a base that already ends with the whole path (`--url http://h/v1/chat/completions`) is
    ///   used as given;
    /// - a base ending in `/v1` (the OpenAI SDK's `base_url`) and a path starting with `v1/`
    ///   share that `v1` once: `http://h/v1` + `/v1/chat/completions` is `http://h/v1/chat/completions`;
    /// - an empty path (`--endpoint ''`) leaves the base as it is;
    /// - otherwise the two are joined with one `/`.
    ///
    /// The base's query string stays on the result.
    ///
    /// # Errors
    /// A reason when the joined text is not a valid URI.
    pub fn join(&self, path: &str) -> Result<Uri, String> {
        if let Some((first, uri)) = self.first_join.get()
            && **first == *path
        {
            return Ok(uri.clone());
        }
        let uri = self.parse_joined(path)?;
        let _ = self.first_join.set((path.into(), uri.clone()));
        Ok(uri)
    }

    fn parse_joined(&self, path: &str) -> Result<Uri, String> {
        let joined = join_paths(&self.prefix, path);
        let path = if joined.is_empty() { "/" } else { &joined };
        let query = self.query.as_deref().map(|q| format!("?{q}")).unwrap_or_default();
        format!("{}://{}{path}{query}", self.scheme, self.authority).parse().map_err(|e: http::uri::InvalidUri| e.to_string())
    }
}

/// `prefix` (no trailing `/`) and `path` joined by [`BaseUrl::join`]'s rules.
fn join_paths(prefix: &str, path: &str) -> String {
    let sub = path.trim_start_matches('/');
    if sub.is_empty() || prefix.strip_suffix(sub).is_some_and(|head| head.ends_with('/')) {
        return prefix.to_owned();
    }
    let sub = if prefix.ends_with("/v1") { sub.strip_prefix("v1/").unwrap_or(sub) } else { sub };
    format!("{prefix}/{sub}")
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}{}", self.scheme, self.authority, self.prefix)?;
        match &self.query {
            Some(query) => write!(f, "?{query}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<BaseUrl, ConfigError> {
        let url = aiperf_core::parse_server_url(text).map_err(|reason| ConfigError::InvalidUrl { url: text.to_owned(), reason })?;
        BaseUrl::new(&url)
    }

    #[test]
    fn every_path_joins_to_its_own_uri_whichever_came_first() {
        let base = parse("http://127.0.0.1:8000/proxy").unwrap();
        for path in ["/v1/chat/completions", "v1/models", "/v1/chat/completions", "/v1/models"] {
            let expected = format!("http://127.0.0.1:8000/proxy/{}", path.trim_start_matches('/'));
            assert_eq!(base.join(path).unwrap().to_string(), expected);
        }
        assert!(base.join("/bad path").is_err());
    }

    #[test]
    fn normalises_what_users_type() {
        let join = |base: &str| parse(base).unwrap().join("/v1/chat/completions").unwrap().to_string();
        assert_eq!(join("localhost:8000"), "http://localhost:8000/v1/chat/completions");
        assert_eq!(join("http://127.0.0.1:8000/"), "http://127.0.0.1:8000/v1/chat/completions");
        assert_eq!(join("https://api.example.com/proxy/"), "https://api.example.com/proxy/v1/chat/completions");
        assert!(parse("HTTPS://x").unwrap().is_https());
        assert_eq!(parse("h2c://127.0.0.1:9").unwrap().to_string(), "http://127.0.0.1:9");
        assert!(parse("h2://x").unwrap().is_https());
    }

    #[test]
    fn rejects_what_cannot_work() {
        let err = parse("grpc://host:8001").unwrap_err().to_string();
        assert!(err.contains("http:// or https://"), "{err}");
        assert!(parse("http://").is_err());
    }

    #[test]
    fn a_v1_base_or_a_whole_endpoint_url_is_joined_once() {
        let join = |base: &str, path: &str| parse(base).unwrap().join(path).unwrap().to_string();
        let chat = "/v1/chat/completions";
        // The OpenAI SDK's base_url habit, with and without a trailing slash.
        assert_eq!(join("http://h:8000/v1", chat), "http://h:8000/v1/chat/completions");
        assert_eq!(join("http://h:8000/v1/", chat), "http://h:8000/v1/chat/completions");
        assert_eq!(join("http://h:8000/proxy/v1", "v1/models"), "http://h:8000/proxy/v1/models");
        // The whole endpoint URL, as given.
        assert_eq!(join("http://h:8000/v1/chat/completions", chat), "http://h:8000/v1/chat/completions");
        assert_eq!(join("http://h:8000/v1/chat/completions/", chat), "http://h:8000/v1/chat/completions");
        // A tail that only looks like the path is not taken for it.
        assert_eq!(join("http://h:8000/xv1/chat/completions", chat), "http://h:8000/xv1/chat/completions/v1/chat/completions");
        assert_eq!(join("http://h:8000/v10", chat), "http://h:8000/v10/v1/chat/completions");
        // An empty path keeps the base; a base without a path gets the whole path.
        assert_eq!(join("http://h:8000/generate", ""), "http://h:8000/generate");
        assert_eq!(join("http://h:8000", ""), "http://h:8000/");
        // The base's query string is kept.
        assert_eq!(join("http://h:8000/v1?api-version=2024-06-01", chat), "http://h:8000/v1/chat/completions?api-version=2024-06-01");
    }
}
