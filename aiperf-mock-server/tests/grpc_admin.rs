//! The mock server's KServe v2 gRPC service as a Triton client sees it: health, metadata, unary
//! and streaming inference with the vLLM backend's tensors.

use std::time::Duration;

use aiperf_kserve::inference::grpc_inference_service_client::GrpcInferenceServiceClient;
use aiperf_kserve::inference::model_infer_request::InferRequestedOutputTensor;
use aiperf_kserve::inference::{
    ModelInferRequest, ModelMetadataRequest, ModelReadyRequest, ServerLiveRequest, ServerMetadataRequest, ServerReadyRequest,
};
use aiperf_kserve::tensors;
use aiperf_mock_server::{MockConfig, MockServer};
use aiperf_server::InEngineSettings;

fn text_request(model: &str, prompt: &str, stream: bool, max_tokens: u32) -> ModelInferRequest {
    let mut request = ModelInferRequest { model_name: model.to_owned(), id: "r1".to_owned(), ..Default::default() };
    tensors::add_input(&mut request, "text_input", "BYTES", &[1], tensors::bytes_value(prompt.as_bytes()));
    tensors::add_input(&mut request, "stream", "BOOL", &[1], vec![u8::from(stream)]);
    let sampling = format!("{{\"max_tokens\":\"{max_tokens}\"}}");
    tensors::add_input(&mut request, "sampling_parameters", "BYTES", &[1], tensors::bytes_value(sampling.as_bytes()));
    request.outputs.push(InferRequestedOutputTensor { name: "text_output".to_owned(), ..Default::default() });
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_metadata_and_inference() {
    let engine =
        InEngineSettings { time_to_first_token: Duration::from_millis(2), inter_token_latency: Duration::ZERO, output_tokens: 4, seed: 1 };
    let server =
        MockServer::start(MockConfig { engine, grpc_port: Some(0), model: "vllm_model".into(), ..MockConfig::default() }).await.unwrap();
    let url = format!("http://{}", server.grpc_addr().unwrap());
    let mut client = GrpcInferenceServiceClient::connect(url).await.unwrap();

    assert!(client.server_live(ServerLiveRequest {}).await.unwrap().into_inner().live);
    assert!(client.server_ready(ServerReadyRequest {}).await.unwrap().into_inner().ready);
    let ready = |name: &str| ModelReadyRequest { name: name.to_owned(), version: String::new() };
    assert!(client.model_ready(ready("vllm_model")).await.unwrap().into_inner().ready);
    assert!(!client.model_ready(ready("other")).await.unwrap().into_inner().ready);
    assert_eq!(client.server_metadata(ServerMetadataRequest {}).await.unwrap().into_inner().name, "aiperf-mock-server");
    let metadata =
        client.model_metadata(ModelMetadataRequest { name: "vllm_model".into(), version: String::new() }).await.unwrap().into_inner();
    let inputs: Vec<&str> = metadata.inputs.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(inputs, ["text_input", "stream", "sampling_parameters", "exclude_input_in_output"]);
    let status = client.model_metadata(ModelMetadataRequest { name: "other".into(), version: String::new() }).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::NotFound);

    // Unary: the whole text at once; max_tokens as a numeric string, as Triton's vLLM backend accepts.
    let response = client.model_infer(text_request("vllm_model", "hello there", false, 3)).await.unwrap().into_inner();
    let mut text = String::new();
    tensors::output_text_into(&response, "text_output", &mut text).unwrap();
    assert_eq!((text.split_whitespace().count(), response.id.as_str()), (3, "r1"));
    let status = client.model_infer(text_request("vllm_model", "x", true, 3)).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "decoupled streaming needs ModelStreamInfer");

    // Streaming: one delta per token, then the final flag.
    let mut request = text_request("vllm_model", "stream me", true, 5);
    request.parameters.insert("triton_enable_empty_final_response".into(), tensors::bool_param(true));
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tx.send(request).await.unwrap();
    let mut stream = client.model_stream_infer(tokio_stream::wrappers::ReceiverStream::new(rx)).await.unwrap().into_inner();
    let mut deltas = Vec::new();
    while let Some(message) = stream.message().await.unwrap() {
        assert!(message.error_message.is_empty(), "{}", message.error_message);
        let response = message.infer_response.unwrap();
        if tensors::is_true(&response.parameters, "triton_final_response") {
            break;
        }
        let mut piece = String::new();
        tensors::output_text_into(&response, "text_output", &mut piece).unwrap();
        deltas.push(piece);
    }
    drop(tx);
    assert_eq!(deltas.len(), 5, "{deltas:?}");
    assert_eq!(deltas.concat().split_whitespace().count(), 5);
    server.shutdown().await;
}
