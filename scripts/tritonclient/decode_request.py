#!/usr/bin/env python3
"""Decode a KServe v2 / Triton `ModelInferRequest` with tritonclient's protobuf and print JSON.

Usage:
    python3 scripts/tritonclient/decode_request.py FILE [--grpc-frame]

FILE holds the protobuf bytes of one ModelInferRequest (e.g. what aiperf's grpc client
encodes). With --grpc-frame, FILE starts with the 5-byte gRPC message prefix (compression
flag 0, big-endian u32 length), which is checked and stripped.

Prints model_name, model_version, id, parameters, each input (name, datatype, shape, where
its data is, decoded values) and the requested outputs, plus a `problems` list of things
Triton's gRPC frontend would refuse or that do not add up (data size vs shape, both
`contents` and `raw_input_contents`, ...). Exits 1 when there are problems or the bytes
do not parse.
"""

import json
import struct
import sys

import numpy as np
from google.protobuf.message import DecodeError
from tritonclient.utils import deserialize_bytes_tensor, triton_to_np_dtype

try:
    from tritonclient.grpc import service_pb2 as pb
except ImportError:  # pragma: no cover
    from tritonclient.grpc import grpc_service_pb2 as pb

CONTENT_FIELDS = ["bool_contents", "int_contents", "int64_contents", "uint_contents", "uint64_contents",
                  "fp32_contents", "fp64_contents", "bytes_contents"]


def parameter_value(parameter):
    choice = parameter.WhichOneof("parameter_choice")
    return {choice: getattr(parameter, choice)} if choice else {}


def parameters(mapping):
    return {key: parameter_value(mapping[key]) for key in sorted(mapping)}


def jsonable(values):
    out = []
    for v in values:
        if isinstance(v, bytes):
            try:
                out.append(v.decode("utf-8"))
            except UnicodeDecodeError:
                out.append({"hex": v.hex()})
        else:
            out.append(v)
    return out


def element_count(shape):
    count = 1
    for dim in shape:
        count *= dim
    return count


def decode_input(index, tensor, request, problems):
    entry = {"name": tensor.name, "datatype": tensor.datatype, "shape": list(tensor.shape)}
    if tensor.parameters:
        entry["parameters"] = parameters(tensor.parameters)
    expected = element_count(tensor.shape)
    has_contents = tensor.HasField("contents")
    if has_contents and request.raw_input_contents:
        problems.append(f"input '{tensor.name}': both `contents` and raw_input_contents are set")
    if request.raw_input_contents:
        if index >= len(request.raw_input_contents):
            problems.append(f"input '{tensor.name}': no raw_input_contents[{index}]")
            return entry
        raw = request.raw_input_contents[index]
        entry["source"] = f"raw_input_contents[{index}]"
        entry["raw_hex"] = raw.hex()
        try:
            if tensor.datatype == "BYTES":
                values = deserialize_bytes_tensor(raw).tolist() if raw else []
            else:
                dtype = triton_to_np_dtype(tensor.datatype)
                if dtype is None:
                    problems.append(f"input '{tensor.name}': unknown datatype {tensor.datatype!r}")
                    return entry
                if len(raw) % np.dtype(dtype).itemsize:
                    problems.append(f"input '{tensor.name}': {len(raw)} bytes is not a whole number of "
                                    f"{tensor.datatype} elements")
                    return entry
                values = np.frombuffer(raw, dtype=dtype).tolist()
        except Exception as error:  # a BYTES length prefix running past the data, ...
            problems.append(f"input '{tensor.name}': cannot decode raw data: {error}")
            return entry
    elif has_contents:
        entry["source"] = "contents"
        used = [f for f in CONTENT_FIELDS if len(getattr(tensor.contents, f))]
        if len(used) > 1:
            problems.append(f"input '{tensor.name}': several contents fields set: {used}")
        values = list(getattr(tensor.contents, used[0])) if used else []
    else:
        problems.append(f"input '{tensor.name}': no data (neither contents nor raw_input_contents)")
        return entry
    entry["values"] = jsonable(values)
    if len(values) != expected:
        problems.append(f"input '{tensor.name}': shape {list(tensor.shape)} holds {expected} element(s), "
                        f"data has {len(values)}")
    return entry


def decode(data):
    request = pb.ModelInferRequest.FromString(data)
    problems = []
    if not request.inputs:
        problems.append("no inputs: is this a ModelInferRequest?")
    try:
        from google.protobuf import unknown_fields
        unknown = [f.field_number for f in unknown_fields.UnknownFieldSet(request)]
    except ImportError:  # older protobuf
        unknown = [f.field_number for f in request.UnknownFields()]
    if unknown:
        problems.append(f"unknown top-level field numbers {sorted(set(unknown))}: not a ModelInferRequest?")
    if request.raw_input_contents and len(request.raw_input_contents) != len(request.inputs):
        problems.append(f"{len(request.raw_input_contents)} raw_input_contents for {len(request.inputs)} inputs")
    names = [t.name for t in request.inputs]
    if len(set(names)) != len(names):
        problems.append(f"duplicate input names: {names}")
    # Triton accepts only these `triton_` keys (src/grpc/grpc_utils.h TRITON_RESERVED_REQUEST_PARAMS).
    for key, value in request.parameters.items():
        if key.startswith("triton_") and key != "triton_enable_empty_final_response":
            problems.append(f"parameter '{key}' is reserved by Triton and would be refused")
        if key == "triton_enable_empty_final_response" and value.WhichOneof("parameter_choice") != "bool_param":
            problems.append("triton_enable_empty_final_response must be a bool_param")
    return {
        "model_name": request.model_name,
        "model_version": request.model_version,
        "id": request.id,
        "parameters": parameters(request.parameters),
        "inputs": [decode_input(i, t, request, problems) for i, t in enumerate(request.inputs)],
        "outputs": [dict({"name": o.name}, **({"parameters": parameters(o.parameters)} if o.parameters else {}))
                    for o in request.outputs],
        "size": len(data),
        "problems": problems,
    }


def main(argv):
    args = [a for a in argv[1:] if a != "--grpc-frame"]
    if len(args) != 1:
        sys.exit(f"usage: {argv[0]} FILE [--grpc-frame]")
    with open(args[0], "rb") as f:
        data = f.read()
    if "--grpc-frame" in argv:
        if len(data) < 5:
            sys.exit("too short for a gRPC frame")
        flag, length = struct.unpack(">BI", data[:5])
        if flag != 0:
            sys.exit(f"compressed gRPC frame (flag {flag}) is not supported")
        if length != len(data) - 5:
            sys.exit(f"gRPC frame says {length} bytes, file has {len(data) - 5} after the prefix")
        data = data[5:]
    try:
        result = decode(data)
    except DecodeError as error:
        print(json.dumps({"problems": [f"not a ModelInferRequest: {error}"]}, indent=2))
        return 1
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
