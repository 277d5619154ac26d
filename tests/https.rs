//! `https://` for the `http` transport and HTTP/2 negotiated by ALPN for the `http2` transport,
//! through a TLS-terminating proxy (test CA, rustls) in front of the mock server on 127.0.0.1.
//!
//! One test in its own binary: it points `SSL_CERT_FILE` at the test CA before any client loads
//! its roots, and no other test shares the process.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aiperf::core::{Endpoint, Exchange, InferenceRequest, ModelEndpointInfo, exchange};
use aiperf::transports::InEngineSettings;
use aiperf::{EndpointFactory, EndpointName, TransportFactory, TransportName};
use aiperf_mock_server::{MockConfig, MockServer};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};

/// Accepts TLS on 127.0.0.1 and forwards the decrypted bytes to `backend`; records the ALPN
/// protocol of every connection.
async fn tls_proxy(backend: std::net::SocketAddr, config: rustls::ServerConfig) -> (String, Arc<Mutex<Vec<Option<Vec<u8>>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let protocols = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&protocols);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, seen) = (acceptor.clone(), Arc::clone(&seen));
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                seen.lock().unwrap().push(tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec));
                let Ok(mut upstream) = TcpStream::connect(backend).await else { return };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
            });
        }
    });
    (url, protocols)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_and_http2_over_tls() {
    // A test CA and a certificate for 127.0.0.1 signed by it.
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap().signed_by(&leaf_key, &ca).unwrap();
    let ca_file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("aiperf-test-ca-{}.pem", std::process::id()));
    std::fs::write(&ca_file, ca.pem()).unwrap();
    // SAFETY: the only test of this binary, set before any thread reads the environment.
    unsafe { std::env::set_var("SSL_CERT_FILE", &ca_file) };

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone()], PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())))
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];

    let engine = InEngineSettings {
        time_to_first_token: Duration::from_millis(2),
        inter_token_latency: Duration::from_millis(1),
        output_tokens: 8,
        seed: 2,
    };
    let server = MockServer::start(MockConfig { engine, ..MockConfig::default() }).await.unwrap();
    let (url, protocols) = tls_proxy(server.http_addr(), config).await;

    // HTTP/1.1 offers no ALPN (the server then speaks HTTP/1.1); HTTP/2 must negotiate `h2`.
    for (name, alpn) in [(TransportName::Http, None), (TransportName::Http2, Some(b"h2".to_vec()))] {
        let info = ModelEndpointInfo {
            model_names: vec!["mock".into()],
            url: Some(url.parse().unwrap()),
            streaming: true,
            ..ModelEndpointInfo::default()
        };
        let transport = TransportFactory::create_instance(name, &info).unwrap();
        let endpoint = EndpointFactory::create_instance(EndpointName::Chat, &info).unwrap();
        let formatted = endpoint.format_request(&InferenceRequest::prompt("secure hello", Some(4))).unwrap();
        let Exchange { timing, response, decode_error: error } =
            exchange(&transport, &endpoint, "/v1/chat/completions", &formatted.into(), None).await;
        let timing = timing.unwrap();
        assert!(error.is_none() && timing.status == 200, "{name}: {error:?}");
        assert_eq!(response.text.split_whitespace().count(), 4, "{name}");
        assert_eq!(protocols.lock().unwrap().last().cloned().flatten(), alpn, "{name}: ALPN");
    }
    let _ = std::fs::remove_file(ca_file);
    server.shutdown().await;
}
