//! An optimized `grpc` transport: the builtin KServe transport with [`LeanMessages`], which
//! decodes each streamed response into only the fields a benchmark reads.
//!
//! The generated `ModelStreamInferResponse` allocates a `String` for the model name, version and
//! id, a `HashMap` of parameters with their keys, each output's name, datatype, shape and
//! parameter map, and copies every output's bytes. The lean message keeps the field numbers of
//! the same proto but reads parameters into a `Vec`, skips what is not read, and borrows output
//! bytes from the received frame (`bytes::Bytes`, no copy).

use aiperf_transports::grpc::StreamPiece;
use aiperf_transports::{KserveTransport, StreamReader};
use bytes::Bytes;

/// The KServe v2 / Triton gRPC transport with [`LeanMessages`]; reads what the builtin reads.
pub type OptimizedGrpcTransport = KserveTransport<LeanMessages>;

/// A [`StreamReader`] over [`LeanStreamResponse`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeanMessages;

/// `inference.ModelStreamInferResponse`, as far as a benchmark reads it.
#[derive(Clone, PartialEq, prost::Message)]
pub struct LeanStreamResponse {
    /// `error_message = 1`.
    #[prost(string, tag = "1")]
    pub error_message: String,
    /// `infer_response = 2`.
    #[prost(message, optional, tag = "2")]
    pub infer_response: Option<LeanInferResponse>,
}

/// `inference.ModelInferResponse`: parameters, output names and raw output data only.
#[derive(Clone, PartialEq, prost::Message)]
pub struct LeanInferResponse {
    /// `map<string, InferParameter> parameters = 4`, read as its wire form: a list of entries.
    #[prost(message, repeated, tag = "4")]
    pub parameters: Vec<ParameterEntry>,
    /// `repeated InferOutputTensor outputs = 5`.
    #[prost(message, repeated, tag = "5")]
    pub outputs: Vec<LeanOutput>,
    /// `repeated bytes raw_output_contents = 6`, borrowed from the frame.
    #[prost(bytes = "bytes", repeated, tag = "6")]
    pub raw_output_contents: Vec<Bytes>,
}

/// One map entry of `parameters` (`key = 1`, `value = 2`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ParameterEntry {
    /// The key's bytes (a protobuf `string` and `bytes` share their wire form).
    #[prost(bytes = "bytes", tag = "1")]
    pub key: Bytes,
    /// The value.
    #[prost(message, optional, tag = "2")]
    pub value: Option<LeanParameter>,
}

/// `inference.InferParameter`: only `bool_param = 1` is read (the other choices are skipped).
#[derive(Clone, PartialEq, prost::Message)]
pub struct LeanParameter {
    /// `bool_param`.
    #[prost(bool, optional, tag = "1")]
    pub bool_param: Option<bool>,
}

/// `InferOutputTensor`: its name, and typed contents for servers that do not send raw data.
#[derive(Clone, PartialEq, prost::Message)]
pub struct LeanOutput {
    /// `name = 1`.
    #[prost(bytes = "bytes", tag = "1")]
    pub name: Bytes,
    /// `contents = 5`.
    #[prost(message, optional, tag = "5")]
    pub contents: Option<LeanContents>,
}

/// `InferTensorContents`: `bytes_contents = 8` only.
#[derive(Clone, PartialEq, prost::Message)]
pub struct LeanContents {
    /// `bytes_contents`.
    #[prost(bytes = "bytes", repeated, tag = "8")]
    pub bytes_contents: Vec<Bytes>,
}

impl StreamReader for LeanMessages {
    type Message = LeanStreamResponse;

    fn read<'m>(message: &'m LeanStreamResponse, text: &mut String) -> Result<StreamPiece<'m>, String> {
        if !message.error_message.is_empty() {
            return Ok(StreamPiece { error: Some(&message.error_message), final_response: true });
        }
        let Some(infer) = &message.infer_response else { return Ok(StreamPiece::default()) };
        if !infer.outputs.is_empty() {
            output_text(infer, text)?;
        }
        // A map's last entry for a key wins, as in the generated `HashMap`.
        let final_response = infer
            .parameters
            .iter()
            .rev()
            .find(|entry| &entry.key[..] == b"triton_final_response")
            .is_some_and(|entry| entry.value.as_ref().and_then(|v| v.bool_param) == Some(true));
        Ok(StreamPiece { error: None, final_response })
    }
}

/// Appends `text_output`'s elements to `text`, as `aiperf_kserve::tensors::output_text_into` does.
fn output_text(infer: &LeanInferResponse, text: &mut String) -> Result<(), String> {
    let index = infer.outputs.iter().position(|o| &o.name[..] == b"text_output").ok_or("the response has no `text_output` output")?;
    if let Some(raw) = infer.raw_output_contents.get(index) {
        for element in aiperf_kserve::tensors::bytes_elements(raw)? {
            text.push_str(&String::from_utf8_lossy(element));
        }
    } else if let Some(contents) = &infer.outputs[index].contents {
        for element in &contents.bytes_contents {
            text.push_str(&String::from_utf8_lossy(element));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
