//! Reading `ModelStreamInfer` responses: the codec that counts their wire bytes, and the
//! [`StreamReader`] that turns one response into what the benchmark records (the per-message work
//! a plugin may do faster).

use std::marker::PhantomData;

use aiperf_kserve::inference::{ModelInferRequest, ModelStreamInferResponse};
use aiperf_kserve::tensors;
use tonic::Status;
use tonic::codec::{BufferSettings, Codec, DecodeBuf, Decoder};
use tonic_prost::{ProstCodec, ProstEncoder};

/// Reads one streamed KServe response. Implementations decode into their own message type (the
/// full generated one, or a leaner one with the same field numbers) and must read the same text,
/// finality and errors from the same bytes as [`FullMessages`].
pub trait StreamReader: Send + Sync + 'static {
    /// What each `ModelStreamInferResponse` is decoded into.
    type Message: prost::Message + Default + Send + Sync + 'static;

    /// Reads `message`: appends its `text_output` to `text` and says whether it is an error or the
    /// final response of the request.
    ///
    /// # Errors
    /// A message when the output is not valid `BYTES` data.
    fn read<'m>(message: &'m Self::Message, text: &mut String) -> Result<StreamPiece<'m>, String>;
}

/// What one streamed response said besides its text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamPiece<'m> {
    /// The server's error (`error_message`), if it reported one.
    pub error: Option<&'m str>,
    /// The response carries `triton_final_response: true`: the request is complete.
    pub final_response: bool,
}

/// The builtin [`StreamReader`]: the generated KServe message and the `aiperf-kserve` helpers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FullMessages;

impl StreamReader for FullMessages {
    type Message = ModelStreamInferResponse;

    fn read<'m>(message: &'m ModelStreamInferResponse, text: &mut String) -> Result<StreamPiece<'m>, String> {
        if !message.error_message.is_empty() {
            return Ok(StreamPiece { error: Some(&message.error_message), final_response: true });
        }
        let Some(infer) = &message.infer_response else { return Ok(StreamPiece::default()) };
        if !infer.outputs.is_empty() {
            tensors::output_text_into(infer, "text_output", text)?;
        }
        Ok(StreamPiece { error: None, final_response: tensors::is_true(&infer.parameters, "triton_final_response") })
    }
}

/// A decoded message and the size it had on the wire (its gRPC frame: the 5-byte prefix and
/// the protobuf bytes), whatever the message type kept of it.
#[derive(Debug)]
pub struct Framed<M> {
    /// The message.
    pub message: M,
    /// Frame size in bytes.
    pub wire_bytes: u64,
}

/// The length prefix of every gRPC message: a compression flag and a 4-byte length.
pub const FRAME_PREFIX: u64 = 5;

/// `ModelInferRequest`s out, `M`s in, each with its wire size.
pub(super) struct MeasuredCodec<M>(PhantomData<M>);

impl<M> Default for MeasuredCodec<M> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<M: prost::Message + Default + Send + Sync + 'static> Codec for MeasuredCodec<M> {
    type Encode = ModelInferRequest;
    type Decode = Framed<M>;
    type Encoder = ProstEncoder<ModelInferRequest>;
    type Decoder = MeasuredDecoder<M>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstCodec::<ModelInferRequest, M>::raw_encoder(BufferSettings::default())
    }

    fn decoder(&mut self) -> Self::Decoder {
        MeasuredDecoder(PhantomData)
    }
}

/// Decodes `M` and notes the frame's size.
pub(super) struct MeasuredDecoder<M>(PhantomData<M>);

impl<M: prost::Message + Default> Decoder for MeasuredDecoder<M> {
    type Item = Framed<M>;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<Framed<M>>, Status> {
        let wire_bytes = FRAME_PREFIX + bytes::Buf::remaining(buf) as u64;
        let message = M::decode(buf).map_err(|e| Status::internal(e.to_string()))?;
        Ok(Some(Framed { message, wire_bytes }))
    }
}
