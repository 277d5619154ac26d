#!/usr/bin/env python3
"""Capture KServe v2 / Triton gRPC fixtures with NVIDIA's own `tritonclient`.

Usage:
    python3 scripts/tritonclient/capture.py aiperf-transports/fixtures/tritonclient

Everything here comes from third-party code, never from aiperf's codec:

* Requests are what `tritonclient.grpc.InferenceServerClient` puts on the wire:
  `InferInput(...).set_data_from_numpy(...)`, then `infer(...)` (unary
  `ModelInfer`) or `start_stream` + `async_stream_infer(...)` (`ModelStreamInfer`).
  A tiny in-process grpcio server on 127.0.0.1 (ephemeral port) serves both RPCs
  through a *generic* handler without (de)serializers, so it receives the exact
  protobuf bytes the client sent and saves them untouched.
* Responses are built with tritonclient's generated protobuf classes
  (`tritonclient.grpc.service_pb2`), BYTES tensors serialized with
  `tritonclient.utils.serialize_byte_tensor` (4-byte little-endian length + bytes,
  as Triton and its Python backend do), shaped as Triton's gRPC frontend fills
  them (`src/grpc/stream_infer_handler.cc`: `triton_final_response` on every
  streamed response, `id`/`model_name`/`model_version` copied, errors in
  `error_message`).  The same in-process server then sends those bytes back to
  tritonclient, and what tritonclient decodes (`InferResult.as_numpy`,
  `InferenceServerException`) is recorded in `expected.json`.

Output is deterministic: running twice gives identical files.
"""

import hashlib
import json
import queue
import sys
from importlib import metadata
from concurrent import futures
from pathlib import Path

import grpc
import numpy as np
import tritonclient
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException, serialize_byte_tensor

try:  # tritonclient >= 2.x ships `service_pb2`; very old releases `grpc_service_pb2`.
    from tritonclient.grpc import service_pb2 as pb
except ImportError:  # pragma: no cover
    from tritonclient.grpc import grpc_service_pb2 as pb

SERVICE = "inference.GRPCInferenceService"
TIMEOUT_S = 20

# --- what the requests carry (mirrors aiperf-transports/src/grpc/mapping.rs) ---------------

PROMPT = "Hello, wörld! Tell me a story about a café ☕"  # non-ASCII: byte lengths != char counts
REQUEST_ID = "req-1"
MAX_TOKENS = 16
SAMPLING_JSON = json.dumps({"max_tokens": MAX_TOKENS}, separators=(",", ":"))  # {"max_tokens":16}
VLLM_MODEL = "vllm_model"  # name used by triton-inference-server/vllm_backend samples
TRTLLM_MODEL = "ensemble"  # TensorRT-LLM inflight_batcher_llm ensemble


def vllm_inputs(stream):
    """vLLM backend: no batching (max_batch_size 0), every tensor shape [1]."""
    text = grpcclient.InferInput("text_input", [1], "BYTES")
    text.set_data_from_numpy(np.array([PROMPT.encode("utf-8")], dtype=np.object_))
    stream_t = grpcclient.InferInput("stream", [1], "BOOL")
    stream_t.set_data_from_numpy(np.array([stream], dtype=np.bool_))
    exclude = grpcclient.InferInput("exclude_input_in_output", [1], "BOOL")
    exclude.set_data_from_numpy(np.array([True], dtype=np.bool_))
    sampling = grpcclient.InferInput("sampling_parameters", [1], "BYTES")
    sampling.set_data_from_numpy(np.array([SAMPLING_JSON.encode("utf-8")], dtype=np.object_))
    return [text, stream_t, exclude, sampling]


def trtllm_inputs(stream):
    """TensorRT-LLM ensemble: max_batch_size > 0, so shape [batch=1, 1]."""
    text = grpcclient.InferInput("text_input", [1, 1], "BYTES")
    text.set_data_from_numpy(np.array([[PROMPT.encode("utf-8")]], dtype=np.object_))
    stream_t = grpcclient.InferInput("stream", [1, 1], "BOOL")
    stream_t.set_data_from_numpy(np.array([[stream]], dtype=np.bool_))
    exclude = grpcclient.InferInput("exclude_input_in_output", [1, 1], "BOOL")
    exclude.set_data_from_numpy(np.array([[True]], dtype=np.bool_))
    max_tokens = grpcclient.InferInput("max_tokens", [1, 1], "INT32")
    max_tokens.set_data_from_numpy(np.array([[MAX_TOKENS]], dtype=np.int32))
    return [text, stream_t, exclude, max_tokens]


def text_output():
    return [grpcclient.InferRequestedOutput("text_output")]


# --- what the responses carry (as Triton's gRPC frontend sends them) -----------------------


def bytes_raw(values):
    """Raw BYTES tensor data as Triton sends it: tritonclient's own serializer."""
    return serialize_byte_tensor(np.array([v.encode("utf-8") for v in values], dtype=np.object_)).item()


def infer_response(model, text=None, shape=None, final=None, version="1"):
    response = pb.ModelInferResponse()
    response.model_name = model
    response.model_version = version
    response.id = REQUEST_ID
    if final is not None:
        response.parameters["triton_final_response"].bool_param = final
    if text is not None:
        out = response.outputs.add()
        out.name = "text_output"
        out.datatype = "BYTES"
        out.shape.extend(shape)
        response.raw_output_contents.append(bytes_raw(text))
    return response


def stream_response(infer=None, error=None):
    message = pb.ModelStreamInferResponse()
    if error is not None:
        message.error_message = error
    if infer is not None:
        message.infer_response.CopyFrom(infer)
    return message


UNARY_RESPONSES = {
    # vLLM backend, non-streamed: the whole completion, text_output shape [1].
    "response_unary_vllm.pb": infer_response(VLLM_MODEL, ["Once upon a time, in a café ☕, there lived a cat."], [1]),
    # TensorRT-LLM ensemble: batch dimension kept, text_output shape [1, 1].
    "response_unary_trtllm.pb": infer_response(TRTLLM_MODEL, ["Once upon a time, in a café ☕, there lived a cat."], [1, 1]),
}

PIECES = ["Once", " upon", " a", " time", " in", " a", " café", " ☕", "."]

STREAMS = {
    # vLLM backend (decoupled): each response holds only the new text; the last one carries
    # the last piece *and* the COMPLETE_FINAL flag, so Triton marks it triton_final_response.
    "stream_vllm": [stream_response(infer_response(VLLM_MODEL, [p], [1], final=(i == len(PIECES) - 1)))
                    for i, p in enumerate(PIECES)],
    # TensorRT-LLM ensemble (decoupled), request with triton_enable_empty_final_response:
    # pieces with triton_final_response false, then Triton's empty final response (no outputs,
    # id/model_name/model_version repopulated, triton_final_response true).
    "stream_trtllm": [stream_response(infer_response(TRTLLM_MODEL, [p], [1, 1], final=False)) for p in PIECES]
    + [stream_response(infer_response(TRTLLM_MODEL, final=True))],
    # Error before inference (unknown model): Triton sets error_message and an infer_response
    # holding only the request id (stream_infer_handler.cc, error path of Steps::READ).
    "stream_error_unknown_model": [stream_response(
        pb.ModelInferResponse(id=REQUEST_ID),
        error="Request for unknown model: 'missing_model' is not found",
    )],
    # Error raised by the backend mid-generation: two pieces, then a failed response. Triton
    # clears the infer_response, sets error_message, repopulates id/model_name/model_version
    # and sets triton_final_response (true: the backend sent COMPLETE_FINAL with its error).
    "stream_error_midway": [stream_response(infer_response(VLLM_MODEL, [p], [1], final=False)) for p in PIECES[:2]]
    + [stream_response(infer_response(VLLM_MODEL, final=True), error="Error generating stream: simulated engine failure")],
}

# --- the in-process server: raw bytes in, scripted raw bytes out ---------------------------


class Recorder:
    def __init__(self):
        self.unary_requests = queue.Queue()
        self.stream_requests = queue.Queue()
        self.unary_reply = None  # bytes
        self.stream_reply = None  # list of bytes

    def model_infer(self, request_bytes, context):
        self.unary_requests.put(request_bytes)
        return self.unary_reply

    def model_stream_infer(self, request_iterator, context):
        for request_bytes in request_iterator:
            self.stream_requests.put(request_bytes)
            yield from self.stream_reply


def start_server(recorder):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    handler = grpc.method_handlers_generic_handler(SERVICE, {
        # No request_deserializer / response_serializer: the handlers see and return bytes.
        "ModelInfer": grpc.unary_unary_rpc_method_handler(recorder.model_infer),
        "ModelStreamInfer": grpc.stream_stream_rpc_method_handler(recorder.model_stream_infer),
    })
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


# --- decoding with tritonclient, for expected.json -------------------------------------------


def decode_result(result):
    """What tritonclient's InferResult gives for text_output, as JSON-able values."""
    response = result.get_response()
    array = result.as_numpy("text_output")
    entry = {
        "id": response.id,
        "model_name": response.model_name,
        "parameters": {k: v.bool_param for k, v in sorted(response.parameters.items())},
    }
    if array is None:
        entry["text_output"] = None
    else:
        entry["text_output_shape"] = list(array.shape)
        entry["text_output"] = [v.decode("utf-8") for v in array.reshape(-1)]
    return entry


def decode_request(data):
    """The request as protobuf sees it (tritonclient's classes): for the sidecar."""
    request = pb.ModelInferRequest.FromString(data)
    inputs = []
    for i, tensor in enumerate(request.inputs):
        raw = request.raw_input_contents[i]
        if tensor.datatype == "BYTES":
            values = [v.decode("utf-8") for v in tritonclient.utils.deserialize_bytes_tensor(raw)]
        else:
            values = np.frombuffer(raw, dtype=tritonclient.utils.triton_to_np_dtype(tensor.datatype)).tolist()
        inputs.append({"name": tensor.name, "datatype": tensor.datatype, "shape": list(tensor.shape),
                       "raw_hex": raw.hex(), "values": values})
    return {
        "model_name": request.model_name,
        "model_version": request.model_version,
        "id": request.id,
        "parameters": {k: v.bool_param for k, v in sorted(request.parameters.items())},
        "inputs": inputs,
        "outputs": [o.name for o in request.outputs],
        "uses_raw_input_contents": len(request.raw_input_contents) == len(request.inputs),
    }


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def main(out_dir):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {}  # name -> bytes

    recorder = Recorder()
    server, port = start_server(recorder)
    expected = {
        "generator": {
            "script": "scripts/tritonclient/capture.py",
            "versions": {pkg: metadata.version(pkg) for pkg in ("tritonclient", "grpcio", "protobuf", "numpy")},
            "protobuf_module": pb.__name__,
        },
        "prompt": PROMPT,
        "request_id": REQUEST_ID,
        "max_tokens": MAX_TOKENS,
        "requests": {},
        "unary_responses": {},
        "streams": {},
    }
    try:
        client = grpcclient.InferenceServerClient(url=f"127.0.0.1:{port}")

        # Unary ModelInfer: tritonclient cannot send `triton_*` parameters on infer().
        for name, model, inputs, reply in [
            ("request_vllm_unary.pb", VLLM_MODEL, vllm_inputs(False), "response_unary_vllm.pb"),
            ("request_trtllm_unary.pb", TRTLLM_MODEL, trtllm_inputs(False), "response_unary_trtllm.pb"),
        ]:
            reply_bytes = UNARY_RESPONSES[reply].SerializeToString(deterministic=True)
            recorder.unary_reply = reply_bytes
            result = client.infer(model, inputs, outputs=text_output(), request_id=REQUEST_ID,
                                  client_timeout=TIMEOUT_S)
            files[name] = recorder.unary_requests.get(timeout=TIMEOUT_S)
            files[reply] = reply_bytes
            expected["unary_responses"][reply] = dict(
                decode_result(result), message="ModelInferResponse", sha256=sha256(reply_bytes),
                text="".join(decode_result(result)["text_output"]))
            # The bytes alone must parse to the same thing (no gRPC involved).
            assert decode_result(grpcclient.InferResult(pb.ModelInferResponse.FromString(reply_bytes))) \
                == decode_result(result)

        # Streaming ModelStreamInfer, with triton_enable_empty_final_response as aiperf sends it.
        stream_runs = [
            ("request_vllm_stream.pb", VLLM_MODEL, vllm_inputs(True), "stream_vllm"),
            ("request_trtllm_stream.pb", TRTLLM_MODEL, trtllm_inputs(True), "stream_trtllm"),
            (None, "missing_model", vllm_inputs(True), "stream_error_unknown_model"),
            (None, VLLM_MODEL, vllm_inputs(True), "stream_error_midway"),
        ]
        for name, model, inputs, stream_name in stream_runs:
            messages = [m.SerializeToString(deterministic=True) for m in STREAMS[stream_name]]
            recorder.stream_reply = messages
            got = queue.Queue()
            client.start_stream(callback=lambda result, error: got.put((result, error)))
            client.async_stream_infer(model, inputs, outputs=text_output(), request_id=REQUEST_ID,
                                      enable_empty_final_response=True)
            callbacks = [got.get(timeout=TIMEOUT_S) for _ in messages]
            client.stop_stream()
            request_bytes = recorder.stream_requests.get(timeout=TIMEOUT_S)
            if name is not None:
                files[name] = request_bytes
            pieces, text, error_seen = [], "", None
            for i, ((result, error), message) in enumerate(zip(callbacks, messages)):
                file_name = f"{stream_name}_{i:02d}.pb"
                files[file_name] = message
                piece = {"file": file_name, "sha256": sha256(message)}
                if error is not None:
                    assert isinstance(error, InferenceServerException)
                    piece["error"] = error.message()
                    error_seen = error.message()
                else:
                    piece["error"] = None
                    piece.update(decode_result(result))
                    text += "".join(piece["text_output"] or [])
                # What the raw message says, independently of tritonclient's callback split.
                parsed = pb.ModelStreamInferResponse.FromString(message)
                piece["has_infer_response"] = parsed.HasField("infer_response")
                piece["triton_final_response"] = (
                    parsed.infer_response.parameters["triton_final_response"].bool_param
                    if "triton_final_response" in parsed.infer_response.parameters else None)
                pieces.append(piece)
            expected["streams"][stream_name] = {
                "message": "ModelStreamInferResponse",
                "model_name": model,
                "files": [p["file"] for p in pieces],
                "pieces": pieces,
                "text": text,
                "error": error_seen,
            }
        client.close()
    finally:
        server.stop(grace=None)

    for name in sorted(files):
        if name.startswith("request_"):
            rpc = "ModelStreamInfer" if name.endswith("_stream.pb") else "ModelInfer"
            expected["requests"][name] = dict(decode_request(files[name]), rpc=rpc, sha256=sha256(files[name]),
                                              size=len(files[name]))

    for name, data in sorted(files.items()):
        (out / name).write_bytes(data)
    (out / "expected.json").write_text(json.dumps(expected, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
                                       encoding="utf-8")
    for name in sorted(files):
        print(f"{sha256(files[name])}  {name}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} OUTPUT_DIR")
    main(sys.argv[1])
