//! Choosing a transport from a URL: the table's `url_schemes`, unless the user names one.

use aiperf_core::{Category as _, FactoryError, FactoryErrorKind};

use crate::{TransportCategory, TransportName};

/// The transport a `--url` selects by its scheme (`url_schemes` in the table). A URL without a
/// scheme is `http` (as AIPerf reads `localhost:8000`); no URL at all is the in-process engine.
///
/// # Errors
/// [`FactoryErrorKind::UnknownName`] (category "URL scheme") listing the schemes of this build.
pub fn transport_for_url(url: Option<&str>) -> Result<TransportName, FactoryError> {
    let Some(url) = url else { return Ok(TransportName::InEngine) };
    let Some((scheme, _)) = url.split_once("://") else { return Ok(TransportName::Http) };
    let scheme = scheme.to_ascii_lowercase();
    TransportName::for_url_scheme(&scheme).ok_or_else(|| {
        let valid: Vec<&str> = TransportName::ALL.iter().flat_map(|n| n.metadata().url_schemes.iter().copied()).collect();
        FactoryErrorKind::UnknownName {
            category: "URL scheme",
            suggestion: None,
            valid: format!("{} (or name a {} with --transport)", valid.join(", "), TransportCategory::CATEGORY),
            name: scheme,
        }
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_pick_their_transport() {
        assert_eq!(transport_for_url(Some("http://127.0.0.1:8000")).unwrap(), TransportName::Http);
        assert_eq!(transport_for_url(Some("HTTPS://api.example.com")).unwrap(), TransportName::Http);
        assert_eq!(transport_for_url(Some("h2c://127.0.0.1:8000")).unwrap(), TransportName::Http2);
        assert_eq!(transport_for_url(Some("grpc://127.0.0.1:8001")).unwrap(), TransportName::Grpc);
        assert_eq!(transport_for_url(Some("localhost:8000")).unwrap(), TransportName::Http);
        assert_eq!(transport_for_url(None).unwrap(), TransportName::InEngine);
        let err = transport_for_url(Some("ftp://x")).unwrap_err().to_string();
        assert!(err.starts_with("unknown URL scheme 'ftp'; valid: http, https, h2c, h2, grpc, in-engine"), "{err}");
    }
}
