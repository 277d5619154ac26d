//! Building and reading tensors as Triton's LLM backends use them.
//!
//! `BYTES` elements are a little-endian `u32` length followed by that many bytes; `BOOL` is one
//! byte; `INT32` is four little-endian bytes. Data goes in `raw_input_contents` / comes back in
//! `raw_output_contents`, in the order of `inputs` / `outputs`.

use std::collections::HashMap;

use crate::inference::model_infer_request::InferInputTensor;
use crate::inference::{InferParameter, ModelInferRequest, ModelInferResponse, infer_parameter};

/// Appends one `BYTES` element (length prefix + bytes).
pub fn push_bytes_element(out: &mut Vec<u8>, element: &[u8]) {
    let len = u32::try_from(element.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&element[..len as usize]);
}

/// The elements of raw `BYTES` tensor data, in order, borrowed from it.
///
/// # Errors
/// A message when a length prefix runs past the data.
pub fn bytes_elements(raw: &[u8]) -> Result<BytesElements<'_>, String> {
    // Validate once up front so iteration cannot fail.
    let mut rest = raw;
    while !rest.is_empty() {
        let Some((prefix, tail)) = rest.split_first_chunk::<4>() else {
            return Err(format!("BYTES tensor has {} trailing bytes, too few for a length prefix", rest.len()));
        };
        let len = u32::from_le_bytes(*prefix) as usize;
        if tail.len() < len {
            return Err(format!("BYTES element of {len} bytes, but only {} remain", tail.len()));
        }
        rest = &tail[len..];
    }
    Ok(BytesElements { rest: raw })
}

/// Iterator over validated `BYTES` elements (see [`bytes_elements`]).
#[derive(Clone, Debug)]
pub struct BytesElements<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for BytesElements<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let (prefix, tail) = self.rest.split_first_chunk::<4>()?;
        let len = u32::from_le_bytes(*prefix) as usize;
        let (element, rest) = tail.split_at(len);
        self.rest = rest;
        Some(element)
    }
}

/// Adds an input tensor with its raw data to `request`.
pub fn add_input(request: &mut ModelInferRequest, name: &str, datatype: &str, shape: &[i64], raw: Vec<u8>) {
    request.inputs.push(InferInputTensor {
        name: name.to_owned(),
        datatype: datatype.to_owned(),
        shape: shape.to_vec(),
        ..Default::default()
    });
    request.raw_input_contents.push(raw);
}

/// A `BYTES` tensor's raw data holding one element.
pub fn bytes_value(value: &[u8]) -> Vec<u8> {
    let mut raw = Vec::with_capacity(4 + value.len());
    push_bytes_element(&mut raw, value);
    raw
}

/// A boolean request parameter.
pub fn bool_param(value: bool) -> InferParameter {
    InferParameter { parameter_choice: Some(infer_parameter::ParameterChoice::BoolParam(value)) }
}

/// Whether `parameters[name]` is a true boolean.
pub fn is_true(parameters: &HashMap<String, InferParameter>, name: &str) -> bool {
    matches!(parameters.get(name).and_then(|p| p.parameter_choice.as_ref()), Some(infer_parameter::ParameterChoice::BoolParam(true)))
}

/// The raw bytes of input `name`: from `raw_input_contents`, or re-encoded from typed `contents`.
pub fn input_raw(request: &ModelInferRequest, name: &str) -> Option<Vec<u8>> {
    let index = request.inputs.iter().position(|i| i.name == name)?;
    if let Some(raw) = request.raw_input_contents.get(index) {
        return Some(raw.clone());
    }
    let contents = request.inputs[index].contents.as_ref()?;
    let mut raw = Vec::new();
    for element in &contents.bytes_contents {
        push_bytes_element(&mut raw, element);
    }
    raw.extend(contents.bool_contents.iter().map(|&b| u8::from(b)));
    for v in &contents.int_contents {
        raw.extend_from_slice(&v.to_le_bytes());
    }
    Some(raw)
}

/// Appends the text of output `name` (`text_output`) to `text`: its `BYTES` elements, decoded
/// as UTF-8 (lossily), without intermediate allocations.
///
/// # Errors
/// A message when the output is missing or not valid `BYTES` data.
pub fn output_text_into(response: &ModelInferResponse, name: &str, text: &mut String) -> Result<(), String> {
    let index = response.outputs.iter().position(|o| o.name == name).ok_or_else(|| format!("the response has no `{name}` output"))?;
    if let Some(raw) = response.raw_output_contents.get(index) {
        for element in bytes_elements(raw)? {
            text.push_str(&String::from_utf8_lossy(element));
        }
    } else if let Some(contents) = &response.outputs[index].contents {
        for element in &contents.bytes_contents {
            text.push_str(&String::from_utf8_lossy(element));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_elements_roundtrip_with_length_prefixes() {
        assert_eq!(bytes_value(b"Hello"), b"\x05\x00\x00\x00Hello");
        let mut raw = bytes_value(b"a");
        push_bytes_element(&mut raw, b"");
        push_bytes_element(&mut raw, "é".as_bytes());
        assert_eq!(bytes_elements(&raw).unwrap().collect::<Vec<_>>(), [&b"a"[..], b"", "é".as_bytes()]);
        assert!(bytes_elements(b"\x05\x00\x00\x00Hel").unwrap_err().contains("only 3 remain"));
        assert!(bytes_elements(b"\x01\x00").unwrap_err().contains("too few"));
    }
}
