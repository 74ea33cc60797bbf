"""Loads the weights examples/fashion saved into the same CNN written in PyTorch
and prints its Fashion-MNIST test accuracy, which should equal the accuracy the
Go program printed after its last epoch.

    /usr/bin/python3 examples/fashion/testdata/check_pytorch.py fashion.safetensors [/usr/share/datasets/fashion-mnist]
"""
import gzip
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

MEAN, STD = 0.2860, 0.3530  # examples/fashion's pixelMean, pixelStd


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    kinds = {"F32": np.float32, "F64": np.float64, "I64": np.int64}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        lo, hi = info["data_offsets"]
        a = np.frombuffer(data[lo:hi], dtype=kinds[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(a.copy())
    return out


def read_idx(folder, stem):
    for name in (stem, stem + ".gz"):
        p = os.path.join(folder, name)
        if os.path.exists(p):
            raw = gzip.open(p).read() if name.endswith(".gz") else open(p, "rb").read()
            dims = raw[3]
            shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
            return np.frombuffer(raw[4 + 4 * dims:], dtype=np.uint8).reshape(shape)
    raise FileNotFoundError(os.path.join(folder, stem))


def model():
    return nn.ModuleDict({
        "features": nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2)),
        "classifier": nn.Sequential(
            nn.Dropout(0.25), nn.Linear(64 * 7 * 7, 128), nn.ReLU(),
            nn.Dropout(0.25), nn.Linear(128, 10)),
    })


def main():
    folder = sys.argv[2] if len(sys.argv) > 2 else "/usr/share/datasets/fashion-mnist"
    m = model()
    m.load_state_dict(load_safetensors(sys.argv[1]))
    m.eval()
    x = read_idx(folder, "t10k-images-idx3-ubyte").astype(np.float32) / 255
    y = torch.from_numpy(read_idx(folder, "t10k-labels-idx1-ubyte").astype(np.int64))
    x = torch.from_numpy((x - MEAN) / STD).unsqueeze(1)
    with torch.no_grad():
        logits = m["classifier"](m["features"](x).flatten(1))
    acc = (logits.argmax(1) == y).double().mean().item() * 100
    print(f"PyTorch {torch.__version__}: test accuracy {acc:.2f} %")


if __name__ == "__main__":
    main()
