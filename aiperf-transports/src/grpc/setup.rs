//! Building the grpc transport from `--url grpc://host:port?options`.

use std::marker::PhantomData;

use aiperf_core::{ConfigError, FromModelEndpoint, ModelEndpointInfo};
use tokio::sync::OnceCell;
use tonic::transport::Endpoint;

use super::{KserveTransport, TritonBackend};

impl<R> FromModelEndpoint for KserveTransport<R> {
    fn from_model_endpoint(info: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        let url = info.url.as_deref().ok_or(ConfigError::MissingUrl { implementation: "grpc" })?;
        let invalid = |reason: &str| ConfigError::InvalidUrl { url: url.to_owned(), reason: reason.to_owned() };
        // One parser for every URL (http's RFC 3986 `Uri`, as the http transports use); a URL
        // without a scheme is grpc://.
        let with_scheme = if url.contains("://") { url.to_owned() } else { format!("grpc://{url}") };
        let uri: http::Uri = with_scheme.parse().map_err(|e: http::uri::InvalidUri| invalid(&e.to_string()))?;
        match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
            Some("grpc" | "http") => {}
            Some(scheme) => return Err(invalid(&format!("the grpc transport takes grpc://host:port (plain HTTP/2), not {scheme}://"))),
            None => return Err(invalid("expected grpc://host:port")),
        }
        let host =
            uri.authority().map(|a| a.as_str().to_owned()).filter(|a| !a.is_empty()).ok_or_else(|| invalid("expected grpc://host:port"))?;
        if !matches!(uri.path(), "" | "/") {
            return Err(invalid("expected grpc://host:port, without a path"));
        }
        let query = uri.query().unwrap_or("");
        let (mut backend, mut unary_when_not_streaming) = (TritonBackend::Vllm, false);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair {
                "backend=vllm" => backend = TritonBackend::Vllm,
                "backend=tensorrtllm" | "backend=trtllm" => backend = TritonBackend::TensorRtLlm,
                "rpc=stream" => unary_when_not_streaming = false,
                "rpc=infer" => unary_when_not_streaming = true,
                other => {
                    return Err(invalid(&format!(
                        "unknown option `{other}`: expected backend=vllm or backend=tensorrtllm, rpc=stream or rpc=infer"
                    )));
                }
            }
        }
        let target = format!("http://{host}");
        Endpoint::from_shared(target.clone()).map_err(|e| invalid(&e.to_string()))?;
        Ok(Self {
            target,
            url: format!("grpc://{host}"),
            backend,
            unary_when_not_streaming,
            timeout: info.timeout,
            channel: OnceCell::new(),
            _reader: PhantomData,
        })
    }
}
