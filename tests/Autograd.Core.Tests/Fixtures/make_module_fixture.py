#!/usr/bin/python3
"""Regenerates torch_sequential_state.safetensors, the PyTorch-made state dict that TensorSafetensorsTests and
StateDict tests load.

The model is nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2)) after
torch.manual_seed(0) and two training-mode forward passes (so BatchNorm's running statistics and
num_batches_tracked are not their initial values). Debian 12 has no python3-safetensors, so the file is written by
hand following the format's specification (8-byte little-endian header length, compact JSON header, spaces to an
8-byte boundary, then the tensors' bytes), with metadata {"format": "pt"} as safetensors.torch.save_model writes.
It also prints the model's eval-mode output on a fixed input, which the C# test hard-codes.

Usage: /usr/bin/python3 make_module_fixture.py [OUT]   (default: beside this script)
"""
import json, os, struct, sys
import torch
import torch.nn as nn

assert sys.byteorder == "little"
NAMES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}


def save(tensors, path, metadata):
    # The reference writer orders by descending dtype alignment, then name; I64 and F64 before F32.
    rank = {"F32": 0, "F64": 1, "I64": 2}
    items = sorted(tensors.items(), key=lambda kv: (-rank[NAMES[kv[1].dtype]], kv[0]))
    header, chunks, offset = {"__metadata__": metadata}, [], 0
    for name, t in items:
        b = t.detach().contiguous().numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in chunks:
            f.write(b)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                             "torch_sequential_state.safetensors")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    model(torch.randn(8, 3))
    model(torch.randn(8, 3) * 2 + 1)
    save(model.state_dict(), out, {"format": "pt"})
    model.eval()
    x = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    print(f"wrote {out}: torch {torch.__version__}")
    print("keys:", list(model.state_dict().keys()))
    print("eval output:", model(x).detach().flatten().tolist())


if __name__ == "__main__":
    main()
