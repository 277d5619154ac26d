//! The http transports' base URL: scheme, authority and path prefix of the parsed `--url`.

use std::fmt;
use std::sync::OnceLock;

use aiperf_core::{ConfigError, Url};
use http::Uri;

/// A server's base URL: scheme, authority and an optional path prefix (`http://host:8000/proxy`).
#[derive(Clone, Debug)]
pub struct BaseUrl {
    scheme: String,
    authority: String,
    prefix: String,
    /// The first path joined and its URI: a run sends every request to one path, and cloning a
    /// URI costs two reference counts where parsing it again costs a format and a parse.
    first_join: OnceLock<(Box<str>, Uri)>,
}

impl PartialEq for BaseUrl {
    fn eq(&self, other: &Self) -> bool {
        (&self.scheme, &self.authority, &self.prefix) == (&other.scheme, &other.authority, &other.prefix)
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
        if url.query().is_some() {
            return Err(invalid("a base URL has no query string"));
        }
        // A scheme's default port is implied (the url crate drops it when written out).
        let authority = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        let prefix = url.path().trim_end_matches('/').to_owned();
        Ok(Self { scheme: scheme.to_owned(), authority, prefix, first_join: OnceLock::new() })
    }

    /// Whether the scheme is `https`.
    pub fn is_https(&self) -> bool {
        self.scheme == "https"
    }

    /// The full URI of `path` (`/v1/chat/completions`) on this server.
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
        let slash = if path.starts_with('/') { "" } else { "/" };
        format!("{}://{}{}{slash}{path}", self.scheme, self.authority, self.prefix)
            .parse()
            .map_err(|e: http::uri::InvalidUri| e.to_string())
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}{}", self.scheme, self.authority, self.prefix)
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
        assert!(parse("http://h/?a=1").unwrap_err().to_string().contains("query"));
    }
}
