//! The headers of a request: the transport's (user agent), the API key as the endpoint wants it
//! (`Authorization: Bearer` or a header of its own), the endpoint's own headers, then the user's
//! (`-H`, last, so that they win), then the content type, `Accept` and the request id. Public, so
//! that a transport outside this crate sends what these do.

use aiperf_core::{Auth, ConfigError, EndpointHeaders, ModelEndpointInfo, TransportError};
use http::HeaderMap;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue, USER_AGENT};

/// The request id header: sent with aiperf's id, read back for the server's (named once: a
/// name given as text is parsed on every use).
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The content type of JSON bodies (and the fallback for one that is not a valid header value).
pub const JSON: &str = "application/json";

/// What every request of one transport carries, parsed once.
#[derive(Clone, Debug)]
pub struct RequestHeaders {
    /// User agent, `Authorization: Bearer <key>`, the user's headers: what an OpenAI-style
    /// endpoint's requests carry, copied as they are.
    bearer: HeaderMap,
    /// The user agent alone.
    base: HeaderMap,
    /// The API key, for an endpoint that sends it in a header of its own (sensitive).
    key: Option<HeaderValue>,
    /// The user's headers (`-H`), in order.
    user: HeaderMap,
}

impl RequestHeaders {
    /// The headers of `info`: its API key and extra headers.
    ///
    /// # Errors
    /// [`ConfigError::InvalidOption`] for a key or a header that is not a valid header.
    pub fn new(info: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        let mut base = HeaderMap::new();
        base.insert(USER_AGENT, HeaderValue::from_static(concat!("aiperf/", env!("CARGO_PKG_VERSION"))));
        let invalid_key = || ConfigError::InvalidOption { option: "api key", value: "…".into(), expected: "visible ASCII characters" };
        let key = info.api_key.as_ref().map(|key| HeaderValue::try_from(key.as_str()).map_err(|_| invalid_key())).transpose()?;
        let mut user = HeaderMap::new();
        for (name, value) in &info.headers {
            let header = HeaderName::try_from(name.as_str()).map_err(|_| ConfigError::InvalidOption {
                option: "header name",
                value: name.clone(),
                expected: "a token such as X-Custom-Header",
            })?;
            let value = HeaderValue::try_from(value.as_str()).map_err(|_| ConfigError::InvalidOption {
                option: "header value",
                value: "…".into(),
                expected: "visible ASCII characters",
            })?;
            user.insert(header, value);
        }
        let mut bearer = base.clone();
        if let Some(key) = &info.api_key {
            let mut value = HeaderValue::try_from(format!("Bearer {key}")).map_err(|_| invalid_key())?;
            value.set_sensitive(true);
            bearer.insert(AUTHORIZATION, value);
        }
        replace_with(&mut bearer, &user);
        let key = key.map(|mut key| {
            key.set_sensitive(true);
            key
        });
        Ok(Self { bearer, base, key, user })
    }

    /// The headers of one request with `endpoint`'s wishes, a body of `content_type`, a stream
    /// or not, and its id.
    ///
    /// # Errors
    /// [`TransportError::Unsupported`] naming `transport` for an endpoint header that is not a
    /// valid header.
    pub fn for_request(
        &self,
        transport: &'static str,
        endpoint: EndpointHeaders<'_>,
        content_type: &str,
        streaming: bool,
        request_id: Option<&str>,
    ) -> Result<HeaderMap, TransportError> {
        // Room for every header, hyper's `host` and `content-length` too: the map never regrows.
        let extra = endpoint.headers.len() + 6;
        let mut headers = if endpoint.auth == Auth::Bearer && endpoint.headers.is_empty() {
            let mut headers = HeaderMap::with_capacity(self.bearer.len() + extra);
            headers.extend(self.bearer.iter().map(|(k, v)| (k.clone(), v.clone())));
            headers
        } else {
            self.endpoint_style(transport, endpoint, extra)?
        };
        let content_type = match content_type {
            JSON => HeaderValue::from_static(JSON),
            other => HeaderValue::from_str(other).unwrap_or(HeaderValue::from_static(JSON)),
        };
        headers.insert(CONTENT_TYPE, content_type);
        if !headers.contains_key(ACCEPT) {
            let accept = if streaming { "text/event-stream" } else { JSON };
            headers.insert(ACCEPT, HeaderValue::from_static(accept));
        }
        if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(id).ok()) {
            headers.insert(X_REQUEST_ID, id);
        }
        Ok(headers)
    }

    /// The user agent, the key as `endpoint` wants it, its headers, then the user's.
    fn endpoint_style(&self, transport: &'static str, endpoint: EndpointHeaders<'_>, extra: usize) -> Result<HeaderMap, TransportError> {
        let mut headers = HeaderMap::with_capacity(self.base.len() + self.user.len() + extra);
        headers.extend(self.base.iter().map(|(k, v)| (k.clone(), v.clone())));
        match endpoint.auth {
            Auth::Bearer => {
                if let Some(bearer) = self.bearer.get(AUTHORIZATION) {
                    headers.insert(AUTHORIZATION, bearer.clone());
                }
            }
            Auth::Header(name) => {
                if let Some(key) = &self.key {
                    headers.insert(parse_name(transport, name)?, key.clone());
                }
            }
        }
        for (name, value) in endpoint.headers {
            let value = HeaderValue::try_from(value.as_str())
                .map_err(|_| unsupported(transport, format!("the endpoint's header {name} has a value that is not visible ASCII")))?;
            headers.insert(parse_name(transport, name)?, value);
        }
        replace_with(&mut headers, &self.user);
        Ok(headers)
    }
}

/// Sets every header of `last` in `headers`, replacing what they had under that name
/// (`HeaderMap::extend` would add a second value).
fn replace_with(headers: &mut HeaderMap, last: &HeaderMap) {
    for (name, value) in last {
        headers.insert(name.clone(), value.clone());
    }
}

fn parse_name(transport: &'static str, name: &str) -> Result<HeaderName, TransportError> {
    HeaderName::try_from(name).map_err(|_| unsupported(transport, format!("the endpoint's header name {name:?} is not a token")))
}

fn unsupported(transport: &'static str, reason: String) -> TransportError {
    TransportError::Unsupported { transport, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> ModelEndpointInfo {
        ModelEndpointInfo {
            api_key: Some("sk-test".into()),
            headers: vec![
                ("X-Trace".into(), "user".into()),
                ("anthropic-version".into(), "from-user".into()),
                ("User-Agent".into(), "mine".into()),
            ],
            ..ModelEndpointInfo::default()
        }
    }

    fn names(headers: &HeaderMap) -> Vec<(String, String)> {
        headers.iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned())).collect()
    }

    #[test]
    fn openai_style_endpoints_send_a_bearer_key() {
        let headers =
            RequestHeaders::new(&info()).unwrap().for_request("http", EndpointHeaders::default(), JSON, true, Some("r-1")).unwrap();
        assert_eq!(headers[AUTHORIZATION], "Bearer sk-test");
        assert!(headers[AUTHORIZATION].is_sensitive(), "kept out of debug output");
        assert_eq!((headers[ACCEPT].to_str().unwrap(), headers[&X_REQUEST_ID].to_str().unwrap()), ("text/event-stream", "r-1"));
        assert_eq!(headers.get_all(USER_AGENT).iter().collect::<Vec<_>>(), ["mine"], "the user's header replaces ours");
    }

    #[test]
    fn an_endpoint_sends_the_key_its_way_and_its_headers_before_the_users() {
        let own = vec![("anthropic-version".to_owned(), "2023-06-01".to_owned()), ("x-beta".to_owned(), "on".to_owned())];
        let endpoint = EndpointHeaders { headers: &own, auth: Auth::Header("x-api-key") };
        let headers = RequestHeaders::new(&info()).unwrap().for_request("http", endpoint, JSON, false, None).unwrap();
        assert!(headers.get(AUTHORIZATION).is_none(), "{:?}", names(&headers));
        assert_eq!(headers["x-api-key"], "sk-test");
        assert!(headers["x-api-key"].is_sensitive());
        assert_eq!(headers["x-beta"], "on");
        assert_eq!(headers.get_all("anthropic-version").iter().collect::<Vec<_>>(), ["from-user"], "the user's -H wins");
        let bad = vec![("bad name".to_owned(), "v".to_owned())];
        let error = RequestHeaders::new(&info()).unwrap().for_request(
            "http",
            EndpointHeaders { headers: &bad, auth: Auth::Bearer },
            JSON,
            false,
            None,
        );
        assert!(matches!(error, Err(TransportError::Unsupported { .. })), "{error:?}");
    }
}
