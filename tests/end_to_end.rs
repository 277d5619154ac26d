//! Every table endpoint, created by the factory, over the factory's in-engine transport:
//! format → send → stream → parse with no server, in the build under test.

use std::time::Duration;

use aiperf::core::{Exchange, InferenceRequest, ModelEndpointInfo, ParsedResponse, Payload, Settings, Transport, exchange};
use aiperf::transports::InEngineSettings;
use aiperf::{EndpointFactory, EndpointName, TransportFactory, TransportName};

fn info(streaming: bool) -> ModelEndpointInfo {
    ModelEndpointInfo {
        model_names: vec!["sim".into()],
        streaming,
        settings: Settings::default().with(InEngineSettings {
            time_to_first_token: Duration::from_millis(2),
            inter_token_latency: Duration::from_millis(1),
            output_tokens: 8,
            seed: 3,
        }),
        ..ModelEndpointInfo::default()
    }
}

async fn roundtrip(name: EndpointName, streaming: bool, request: InferenceRequest) -> ParsedResponse {
    let info = info(streaming);
    let endpoint = EndpointFactory::create_instance(name, &info).unwrap();
    let transport = TransportFactory::create_instance(TransportName::InEngine, &info).unwrap();
    let prepared = transport.request_form().prepare(&endpoint, &request).unwrap();
    let Exchange { timing, response, decode_error } = exchange(&transport, &endpoint, name.metadata().endpoint_path, &prepared, None).await;
    assert_eq!(timing.unwrap().status, 200);
    assert!(decode_error.is_none() && response.done && response.error.is_none(), "{decode_error:?} {response:?}");
    response
}

#[tokio::test]
async fn every_endpoint_works_end_to_end_in_process() {
    for streaming in [true, false] {
        for name in [EndpointName::Chat, EndpointName::Completions] {
            let r = roundtrip(name, streaming, InferenceRequest::prompt("how fast is it", Some(5))).await;
            assert_eq!(r.text.split_whitespace().count(), 5, "{name} streaming={streaming}");
            assert_eq!(r.chunks.len(), if streaming { 5 } else { 1 });
            assert_eq!(r.usage.unwrap().completion_tokens, Some(5));
        }
    }
    let texts = InferenceRequest { payload: Payload::Texts(vec!["a".into(), "b c".into(), "d".into()]), max_tokens: None, model: None };
    let r = roundtrip(EndpointName::Embeddings, false, texts).await;
    assert_eq!(r.embeddings.iter().map(|e| e.index).collect::<Vec<_>>(), [0, 1, 2]);
    let rank = InferenceRequest {
        payload: Payload::Ranking { query: "gpu speed".into(), passages: vec!["bananas".into(), "gpu speed tests".into()] },
        max_tokens: None,
        model: None,
    };
    let r = roundtrip(EndpointName::Rankings, false, rank).await;
    assert_eq!(r.rankings[0].index, 1);
}
