"""Writes dtypes.safetensors: one tensor of every dtype gograd's safetensors
package reads, with PyTorch 1.13's values and its float16/bfloat16 rounding.

Run with Debian's python3-torch from the repository root:

    /usr/bin/python3 safetensors/testdata/gen_dtypes.py

The file is laid out as gograd writes one (names sorted, compact JSON with
"dtype", "shape", "data_offsets" in that order, padded with spaces to a
multiple of 8 bytes), so the Go test can compare bytes. "f16" and "bf16" are
"src" (float32) rounded by torch's .half() and .bfloat16().
"""
import json
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))

g = torch.Generator().manual_seed(3)
src = torch.cat([torch.randn(40, generator=g) * 10.0 ** torch.randint(-9, 6, (40,), generator=g),
                 torch.tensor([65504.0, 65519.0, 65520.0, 1e-8, -0.0, 5.96e-8, 2.98e-8, 3e38, 1.0 + 2 ** -11])])
tensors = {
    "src": src,
    "f16": src.half(),
    "bf16": src.bfloat16(),
    "f64": torch.randn(2, 2, generator=g, dtype=torch.float64),
    "i64": torch.tensor([-(2 ** 63), 2 ** 63 - 1]),
    "i32": torch.tensor([[-(2 ** 31), 2 ** 31 - 1], [0, -1]], dtype=torch.int32),
    "i16": torch.tensor([-(2 ** 15), 2 ** 15 - 1], dtype=torch.int16),
    "i8": torch.tensor([-128, 127, -1], dtype=torch.int8),
    "u8": torch.tensor([0, 255, 7], dtype=torch.uint8),
    "bool": torch.tensor([True, False, False, True]),
    "empty_f16": torch.zeros(0, 3, dtype=torch.float16),
}
names = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
         torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
         torch.uint8: "U8", torch.bool: "BOOL"}


def raw(t):
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: take the bits
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


header, data = {}, b""
for k in sorted(tensors):
    t = tensors[k]
    b = raw(t)
    header[k] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [len(data), len(data) + len(b)]}
    data += b
js = json.dumps(header, separators=(",", ":")).encode()
js += b" " * (-len(js) % 8)
with open(os.path.join(HERE, "dtypes.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(js)) + js + data)
with open(os.path.join(HERE, "dtypes.json"), "w") as f:
    # Values as strings (Python's repr: exact, and "inf" for the overflows).
    json.dump({k: [repr(float(v)) for v in t.double().flatten().tolist()] if t.dtype.is_floating_point
               else [str(int(v)) for v in t.long().flatten().tolist()] for k, t in tensors.items()}, f, indent=0)
print("wrote", len(tensors), "tensors")
