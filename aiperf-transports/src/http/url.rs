//! Base URLs: what users pass as `--url`, normalised once.

use std::fmt;

use aiperf_core::ConfigError;
use http::Uri;

/// A server's base URL: scheme, authority and an optional path prefix (`http://host:8000/proxy`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl {
    scheme: String,
    authority: String,
    prefix: String,
}

impl BaseUrl {
    /// Parses `url`; a URL without a scheme gets `http://` (as AIPerf does for `localhost:8000`).
    ///
    /// # Errors
    /// [`ConfigError::InvalidUrl`] naming what is wrong.
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        let invalid = |reason: &str| ConfigError::InvalidUrl { url: url.to_owned(), reason: reason.to_owned() };
        let with_scheme = if url.contains("://") { url.to_owned() } else { format!("http://{url}") };
        let uri: Uri = with_scheme.parse().map_err(|e: http::uri::InvalidUri| invalid(&e.to_string()))?;
        // `h2c://` and `h2://` are how a URL selects the http2 transport; on the wire they are http(s).
        let scheme = match uri.scheme_str().unwrap_or("http").to_ascii_lowercase().as_str() {
            "http" | "h2c" => "http".to_owned(),
            "https" | "h2" => "https".to_owned(),
            _ => return Err(invalid("the http transports take http:// or https:// URLs (h2c:// and h2:// select HTTP/2)")),
        };
        let authority = uri.authority().ok_or_else(|| invalid("no host"))?.to_string();
        if uri.query().is_some() {
            return Err(invalid("a base URL has no query string"));
        }
        let prefix = uri.path().trim_end_matches('/').to_owned();
        Ok(Self { scheme, authority, prefix })
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

    #[test]
    fn normalises_what_users_type() {
        let join = |base: &str| BaseUrl::parse(base).unwrap().join("/v1/chat/completions").unwrap().to_string();
        assert_eq!(join("localhost:8000"), "http://localhost:8000/v1/chat/completions");
        assert_eq!(join("http://127.0.0.1:8000/"), "http://127.0.0.1:8000/v1/chat/completions");
        assert_eq!(join("https://api.example.com/proxy/"), "https://api.example.com/proxy/v1/chat/completions");
        assert!(BaseUrl::parse("HTTPS://x").unwrap().is_https());
        assert_eq!(BaseUrl::parse("h2c://127.0.0.1:9").unwrap().to_string(), "http://127.0.0.1:9");
        assert!(BaseUrl::parse("h2://x").unwrap().is_https());
    }

    #[test]
    fn rejects_what_cannot_work() {
        let err = BaseUrl::parse("grpc://host:8001").unwrap_err().to_string();
        assert!(err.contains("http:// or https://"), "{err}");
        assert!(BaseUrl::parse("http://").is_err());
        assert!(BaseUrl::parse("http://h/?a=1").unwrap_err().to_string().contains("query"));
    }
}
