#!/usr/bin/python3
"""Writes views_golden.json: for each view kind, what PyTorch 1.13 reads and
writes through a view of a base tensor, for tensor/views_test.go.

Run from this directory with Debian's python3-torch:

    /usr/bin/python3 gen_views_golden.py

Each case starts from base = arange(n) reshaped to the case's shape (float32) and
records:

    view      the view's shape, strides, storage offset and values, and whether
              PyTorch reports it contiguous;
    written   the base's values after view.copy_(-(1 + arange(view.numel()))), a
              write through the view (absent for views whose elements alias,
              where the result would depend on the order of the writes);
    refused   for those, whether PyTorch refuses view.copy_(zeros) (it does for
              stride-0 dims, not for overlapping Unfold windows);
    through   the view's values after base.add_(1000) on a fresh base and view, a
              write through the base read back through the view.
"""

import json

import torch

CASES = [
    # name, base shape, view, writable
    ("View", (2, 3, 4), lambda b: b.view(6, 4), True),
    ("Reshape", (2, 3, 4), lambda b: b.reshape(4, -1), True),
    ("Transpose", (3, 4), lambda b: b.transpose(0, 1), True),
    ("T", (3, 4), lambda b: b.t(), True),
    ("Permute", (2, 3, 4), lambda b: b.permute(2, 0, 1), True),
    ("Expand", (3, 1), lambda b: b.expand(3, 4), False),
    ("BroadcastTo", (4,), lambda b: torch.broadcast_to(b, (2, 4)), False),
    ("Narrow", (4, 5), lambda b: b.narrow(1, 1, 3), True),
    ("Select", (3, 4), lambda b: b.select(1, -2), True),
    ("Slice", (6, 4), lambda b: b[1::2], True),
    ("Slice/step", (5, 6), lambda b: b[:, -5:-1:3], True),
    ("Unsqueeze", (3, 4), lambda b: b.unsqueeze(1), True),
    ("Squeeze", (3, 1, 4), lambda b: b.squeeze(1), True),
    ("Unflatten", (3, 4), lambda b: b.unflatten(1, (2, 2)), True),
    ("Flatten", (2, 3, 4), lambda b: b.flatten(1), True),
    ("Diagonal", (3, 4), lambda b: b.diagonal(1), True),
    ("Diagonal/3d", (2, 3, 3), lambda b: b.diagonal(0, 1, 2), True),
    ("Unfold", (2, 6), lambda b: b.unfold(1, 2, 2), True),
    ("Unfold/overlapping", (2, 5), lambda b: b.unfold(1, 3, 1), False),
    ("Movedim", (2, 3, 4), lambda b: b.movedim(0, -1), True),
    ("AsStrided", (3, 4), lambda b: b.as_strided((2, 2), (4, 2), 1), True),
    ("Chain", (4, 6), lambda b: b.t()[1:5].narrow(1, 1, 2).select(0, 2), True),
]


def values(t):
    return t.detach().double().reshape(-1).tolist()


def fresh(shape):
    n = 1
    for d in shape:
        n *= d
    return torch.arange(n, dtype=torch.float32).reshape(shape)


cases = []
for name, shape, fn, writable in CASES:
    base = fresh(shape)
    v = fn(base)
    c = {
        "name": name,
        "base": list(shape),
        "view": {
            "shape": list(v.shape),
            "strides": list(v.stride()),
            "offset": v.storage_offset(),
            "contiguous": v.is_contiguous(),
            "data": values(v),
        },
    }
    if writable:
        v.copy_(-(1 + torch.arange(v.numel(), dtype=torch.float32)).reshape(v.shape))
        c["written"] = values(base)
    else:
        try:
            v.copy_(torch.zeros(v.shape))
            c["refused"] = False
        except RuntimeError:
            c["refused"] = True
    base = fresh(shape)
    v = fn(base)
    base.add_(1000)
    c["through"] = values(v)
    cases.append(c)

with open("views_golden.json", "w") as f:
    f.write('{"torch":%s,"cases":[\n' % json.dumps(torch.__version__))
    f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
    f.write("\n]}\n")
print(f"wrote {len(cases)} cases")
