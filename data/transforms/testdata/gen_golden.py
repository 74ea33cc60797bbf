#!/usr/bin/python3
"""Writes golden.json: torchvision 0.14's deterministic transforms (to_tensor,
normalize, pad in its four modes, crop, hflip) on a small image, for the Go
tests in data/transforms/transforms_test.go.

Run with Debian's python3-torchvision: /usr/bin/python3 data/transforms/testdata/gen_golden.py

The image's bytes come from a formula, (37 i + 11) mod 256 over the flat
(H, W, C) index, so the Go side can rebuild them exactly.
"""
import json
import os

import numpy as np
import torch
import torchvision
import torchvision.transforms.functional as F

H, W, C = 5, 6, 3


def main():
    pix = np.array([(37 * i + 11) % 256 for i in range(H * W * C)], dtype=np.uint8).reshape(H, W, C)
    img = F.to_tensor(pix)
    flat = lambda t: t.reshape(-1).tolist()
    cases = {"to_tensor": {"shape": list(img.shape), "values": flat(img)}}
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    cases["normalize"] = {"mean": mean, "std": std, "values": flat(F.normalize(img, mean, std))}
    pads = []
    for mode in ("constant", "edge", "reflect", "symmetric"):
        for padding in ([2, 2, 2, 2], [1, 2, 3, 0]):
            out = F.pad(img, padding, fill=0.5, padding_mode=mode)
            pads.append({"mode": mode, "padding": padding, "fill": 0.5, "shape": list(out.shape), "values": flat(out)})
    cases["pad"] = pads
    crops = []
    for top, left, h, w in ((1, 2, 3, 3), (-1, 4, 4, 4), (0, 0, 5, 6)):
        out = F.crop(img, top, left, h, w)
        crops.append({"top": top, "left": left, "h": h, "w": w, "shape": list(out.shape), "values": flat(out)})
    cases["crop"] = crops
    cases["hflip"] = {"values": flat(F.hflip(img))}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden.json")
    with open(path, "w") as f:
        json.dump({"torch": torch.__version__, "torchvision": torchvision.__version__, **cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
