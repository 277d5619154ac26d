//! The gRPC transport against bytes NVIDIA's `tritonclient` made, not our own codec: the requests
//! it encodes are the ones tritonclient sends for the same prompt and layout, byte for byte, and
//! it reads from Triton-shaped responses what tritonclient decoded from them
//! (`fixtures/tritonclient/README.md` says how they were captured, and with what).

use std::path::PathBuf;

use aiperf_core::{TextInput, TextRequest};
use aiperf_kserve::inference::{ModelInferResponse, ModelStreamInferResponse};
use aiperf_kserve::tensors;
use prost::Message as _;
use serde_json::Value;

use super::{FullMessages, StreamReader, TritonBackend, mapping};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/tritonclient").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn expected() -> Value {
    serde_json::from_slice(&fixture("expected.json")).expect("valid JSON")
}

#[test]
fn requests_are_encoded_as_tritonclient_sends_them() {
    let expected = expected();
    let prompt = expected["prompt"].as_str().unwrap();
    let cases = [
        ("request_vllm_stream.pb", TritonBackend::Vllm, "vllm_model", true),
        ("request_vllm_unary.pb", TritonBackend::Vllm, "vllm_model", false),
        ("request_trtllm_stream.pb", TritonBackend::TensorRtLlm, "ensemble", true),
        ("request_trtllm_unary.pb", TritonBackend::TensorRtLlm, "ensemble", false),
    ];
    for (file, backend, model, stream) in cases {
        let text = TextRequest {
            model: model.to_owned(),
            input: TextInput::Prompt(prompt.to_owned()),
            max_tokens: Some(16),
            stream,
            sampling: serde_json::Map::new(),
        };
        // tritonclient streams with `async_stream_infer` and answers whole with `infer`: the RPC
        // follows the request's `stream`, as it does with `rpc=infer`.
        let ours = mapping::infer_request(backend, &text, "req-1", stream).unwrap().encode_to_vec();
        assert_eq!(ours, fixture(file), "{file}: {:?}", expected["requests"][file]);
    }
}

#[test]
fn streams_are_read_as_tritonclient_reads_them() {
    let expected = expected();
    let streams = expected["streams"].as_object().unwrap();
    assert_eq!(streams.len(), 4, "vLLM, TensorRT-LLM, and two failed streams");
    for (name, stream) in streams {
        let (mut text, mut error, mut ended) = (String::new(), None, false);
        for file in stream["files"].as_array().unwrap() {
            assert!(!ended, "{name}: nothing after the end");
            let message = ModelStreamInferResponse::decode(fixture(file.as_str().unwrap()).as_slice()).unwrap();
            let piece = FullMessages::read(&message, &mut text).unwrap();
            error = piece.error.map(str::to_owned);
            ended = piece.final_response;
        }
        assert!(ended, "{name}: the last response ends the request");
        assert_eq!(text, stream["text"].as_str().unwrap(), "{name}");
        assert_eq!(error.as_deref(), stream["error"].as_str(), "{name}");
    }
}

#[test]
fn unary_responses_are_read_as_tritonclient_reads_them() {
    let expected = expected();
    for (file, response) in expected["unary_responses"].as_object().unwrap() {
        let message = ModelInferResponse::decode(fixture(file).as_slice()).unwrap();
        let mut text = String::new();
        tensors::output_text_into(&message, "text_output", &mut text).unwrap();
        assert_eq!(text, response["text"].as_str().unwrap(), "{file}");
    }
}
