//! Building the grpc transport from the parsed `--url grpc://host:port?options`.

use std::marker::PhantomData;

use aiperf_core::{ConfigError, FromModelEndpoint, ModelEndpointInfo};
use tokio::sync::OnceCell;
use tonic::transport::Endpoint;

use super::{KserveTransport, TritonBackend};

impl<R> FromModelEndpoint for KserveTransport<R> {
    const DECLARED: aiperf_core::Declared = aiperf_core::declared!();

    fn from_model_endpoint(info: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        let url = info.url.as_ref().ok_or(ConfigError::MissingUrl { implementation: "grpc" })?;
        let invalid = |reason: &str| ConfigError::InvalidUrl { url: url.to_string(), reason: reason.to_owned() };
        if !matches!(url.scheme(), "grpc" | "http") {
            return Err(invalid(&format!("the grpc transport takes grpc://host:port (plain HTTP/2), not {}://", url.scheme())));
        }
        let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| invalid("expected grpc://host:port"))?;
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        if !matches!(url.path(), "" | "/") {
            return Err(invalid("expected grpc://host:port, without a path"));
        }
        let (mut backend, mut unary_when_not_streaming) = (TritonBackend::Vllm, false);
        for (key, value) in url.query_pairs() {
            match (&*key, &*value) {
                ("backend", "vllm") => backend = TritonBackend::Vllm,
                ("backend", "tensorrtllm" | "trtllm") => backend = TritonBackend::TensorRtLlm,
                ("rpc", "stream") => unary_when_not_streaming = false,
                ("rpc", "infer") => unary_when_not_streaming = true,
                _ => {
                    return Err(invalid(&format!(
                        "unknown option `{key}={value}`: expected backend=vllm or backend=tensorrtllm, rpc=stream or rpc=infer"
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
