#!/usr/bin/python3
"""Regenerates torch_reference.safetensors, the fixture SafetensorsFormatTests reads.

Debian 12 does not package the safetensors library (python3-safetensors), so this writes the
file by hand, following the format's specification and the reference writer's layout: 8-byte
little-endian header length; compact JSON header with "__metadata__" first and the tensors in
buffer order; spaces to an 8-byte boundary; then the buffer, tensors sorted by descending dtype
alignment (the reference implementation's Dtype enum order), then by name. Tensor bytes come
from PyTorch (Debian's python3-torch), so the values, including float16/bfloat16 rounding, are
PyTorch's own.

Usage: /usr/bin/python3 make_safetensors_fixture.py [OUT]   (default: beside this script)
"""
import json, os, struct, sys
import torch

assert sys.byteorder == "little", "safetensors data is little-endian; run this on a little-endian host"

# The reference implementation's dtype order, increasing alignment.
ORDER = ["BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0",
         "F8_E4M3FNUZ", "F8_E5M2FNUZ", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64",
         "F64", "I64", "U64"]
NAMES = {torch.bool: "BOOL", torch.uint8: "U8", torch.int8: "I8", torch.int16: "I16",
         torch.float16: "F16", torch.bfloat16: "BF16", torch.int32: "I32", torch.float32: "F32",
         torch.float64: "F64", torch.int64: "I64"}

TENSORS = {
    "weight": torch.tensor([[0.0, 1.5, -2.0], [3.25, 0.1, -1e-7]], dtype=torch.float32),
    "bias": torch.tensor([0.5, -0.25, 100.0], dtype=torch.float32),
    "step": torch.tensor(42, dtype=torch.int64),
    "double": torch.tensor([1.0 / 3.0, -2.5], dtype=torch.float64),
    "half": torch.tensor([1.0, -0.5], dtype=torch.float16),
    "bf": torch.tensor([1.0, 3.0], dtype=torch.bfloat16),
    "mask": torch.tensor([True, False, True]),
    "pixels": torch.tensor([0, 127, 128, 255], dtype=torch.uint8),
    "int8": torch.tensor([-128, 127], dtype=torch.int8),
    "i32": torch.tensor([-1, 65536], dtype=torch.int32),
    "i16": torch.tensor([-2], dtype=torch.int16),
    "empty": torch.zeros((0, 4), dtype=torch.float32),
}
METADATA = {"format": "pt", "note": "fixture"}


def raw_bytes(t):
    t = t.contiguous()
    if t.dtype in (torch.float16, torch.bfloat16):  # numpy has no bfloat16: reinterpret as int16
        t = t.view(torch.int16)
    return t.numpy().tobytes()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                             "torch_reference.safetensors")
    items = sorted(TENSORS.items(), key=lambda kv: (-ORDER.index(NAMES[kv[1].dtype]), kv[0]))
    header, chunks, offset = {"__metadata__": dict(sorted(METADATA.items()))}, [], 0
    for name, t in items:
        b = raw_bytes(t)
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(out, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in chunks:
            f.write(b)
    print(f"wrote {out}: torch {torch.__version__}, {len(items)} tensors, header {len(h)} bytes, buffer {offset} bytes")


if __name__ == "__main__":
    main()
