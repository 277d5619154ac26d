//! The lean reader reads what the builtin reads, from the same encoded messages.

use aiperf_kserve::inference::model_infer_response::InferOutputTensor;
use aiperf_kserve::inference::{InferParameter, InferTensorContents, ModelInferResponse, ModelStreamInferResponse, infer_parameter};
use aiperf_kserve::tensors;
use aiperf_transports::FullMessages;
use proptest::prelude::*;
use prost::Message;

use super::*;

/// What a reader made of one encoded message: text, error, finality (or its error message).
fn read_with<R: StreamReader>(encoded: &[u8]) -> Result<(String, Option<String>, bool), String> {
    let message = R::Message::decode(encoded).map_err(|e| e.to_string())?;
    let mut text = String::from("kept|");
    let piece = R::read(&message, &mut text)?;
    Ok((text, piece.error.map(str::to_owned), piece.final_response))
}

fn param(choice: infer_parameter::ParameterChoice) -> InferParameter {
    InferParameter { parameter_choice: Some(choice) }
}

fn output(name: &str, contents: Option<Vec<Vec<u8>>>) -> InferOutputTensor {
    InferOutputTensor {
        name: name.to_owned(),
        datatype: "BYTES".to_owned(),
        shape: vec![1],
        contents: contents.map(|bytes_contents| InferTensorContents { bytes_contents, ..Default::default() }),
        ..Default::default()
    }
}

prop_compose! {
    fn response()(
        error in prop_oneof![3 => Just(String::new()), 1 => ".{1,20}"],
        has_infer in any::<bool>(),
        final_choice in 0u8..4,
        texts in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..12), 0..3),
        other_output_first in any::<bool>(),
        typed_contents in any::<bool>(),
        has_text_output in prop_oneof![5 => Just(true), 1 => Just(false)],
        corrupt in prop_oneof![9 => Just(false), 1 => Just(true)],
    ) -> ModelStreamInferResponse {
        let mut infer = ModelInferResponse { model_name: "m".into(), id: "req-1".into(), ..Default::default() };
        let choice = match final_choice {
            0 => None,
            1 => Some(infer_parameter::ParameterChoice::BoolParam(true)),
            2 => Some(infer_parameter::ParameterChoice::BoolParam(false)),
            _ => Some(infer_parameter::ParameterChoice::Int64Param(1)),
        };
        if let Some(choice) = choice {
            infer.parameters.insert("triton_final_response".into(), param(choice));
        }
        infer.parameters.insert("other".into(), param(infer_parameter::ParameterChoice::BoolParam(true)));
        if other_output_first {
            infer.outputs.push(output("cum_log_probs", None));
            infer.raw_output_contents.push(vec![0; 4]);
        }
        if has_text_output {
            if typed_contents {
                infer.outputs.push(output("text_output", Some(texts.clone())));
            } else {
                infer.outputs.push(output("text_output", None));
                let mut raw = Vec::new();
                for text in &texts {
                    tensors::push_bytes_element(&mut raw, text);
                }
                if corrupt {
                    raw.extend_from_slice(&[9, 0]);
                }
                infer.raw_output_contents.push(raw);
            }
        }
        ModelStreamInferResponse { error_message: error, infer_response: has_infer.then_some(infer) }
    }
}

proptest! {
    #[test]
    fn lean_and_full_messages_read_the_same(message in response()) {
        let encoded = message.encode_to_vec();
        prop_assert_eq!(read_with::<LeanMessages>(&encoded), read_with::<FullMessages>(&encoded));
    }
}

#[test]
fn a_final_streamed_piece_reads_alike() {
    let mut infer = ModelInferResponse::default();
    infer.parameters.insert("triton_final_response".into(), param(infer_parameter::ParameterChoice::BoolParam(true)));
    infer.outputs.push(output("text_output", None));
    infer.raw_output_contents.push(tensors::bytes_value("Grüße".as_bytes()));
    let encoded = ModelStreamInferResponse { error_message: String::new(), infer_response: Some(infer) }.encode_to_vec();
    let expected = Ok(("kept|Grüße".to_owned(), None, true));
    assert_eq!(read_with::<LeanMessages>(&encoded), expected);
    assert_eq!(read_with::<FullMessages>(&encoded), expected);
}
