"""Checks that PyTorch reads the files gograd's pt.Save and pt.SaveObject write.

The Go test TestSaveGolden keeps gograd_statedict.pt and gograd_checkpoint.pt
byte for byte equal to what the writer produces now (go test ./pt -update
rewrites them); this script, run once after each change with Debian's
python3-torch (PyTorch 1.13), loads them with torch.load, compares every value
and type with the ones goldenStateDict and goldenCheckpoint in save_test.go
build, loads the state dict into a torch module, and records its output in
verify_gograd.txt:

    /usr/bin/python3 pt/testdata/verify_gograd.py > pt/testdata/verify_gograd.txt
"""
import collections
import hashlib
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def want_state_dict():
    return {
        "0.weight": (torch.arange(12, dtype=torch.float32) - 5).reshape(3, 4) / 4,
        "0.bias": torch.zeros(0, 2, dtype=torch.float64),
        "d": torch.arange(5, dtype=torch.float64) / 3,
        "idx": torch.tensor([-(1 << 40), 0, 7, 1 << 62]),
        "scalar": torch.tensor(2.5),
    }


def same(a, b, where):
    assert type(a) is type(b), "%s: type %s, want %s" % (where, type(a), type(b))
    if isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b), "%s: %r, want %r" % (where, a, b)
        assert not a.requires_grad
    elif isinstance(a, dict):
        assert set(a) == set(b), "%s: keys %s, want %s" % (where, sorted(a), sorted(b))
        for k in a:
            same(a[k], b[k], "%s[%r]" % (where, k))
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, "%s[%d]" % (where, i))
    else:
        assert a == b, "%s: %r, want %r" % (where, a, b)


def main():
    print("torch", torch.__version__)
    path = os.path.join(HERE, "gograd_statedict.pt")
    sd = torch.load(path)
    assert isinstance(sd, collections.OrderedDict)
    same(dict(sd), want_state_dict(), "state_dict")
    m = torch.nn.Linear(4, 3, bias=False)
    m.load_state_dict({"weight": sd["0.weight"]})
    print("gograd_statedict.pt sha256 %s: %d tensors equal; Linear(4, 3) loads it, forward(ones) = %s"
          % (hashlib.sha256(open(path, "rb").read()).hexdigest()[:16], len(sd), m(torch.ones(4)).tolist()))

    path = os.path.join(HERE, "gograd_checkpoint.pt")
    ck = torch.load(path)
    sd = want_state_dict()
    want = {
        "model": collections.OrderedDict(sorted(sd.items())),
        "optimizer": {
            "state": {0: {"step": 3.0, "exp_avg": sd["0.weight"]}, 1: {"step": 3.0, "exp_avg": sd["d"]}},
            "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1], "amsgrad": False,
                              "foreach": None, "name": "h\u00e9llo", "milestones": [0.5, 1.5]}],
        },
        "step": 42, "big": 1 << 40, "neg": -5, "i32": -70000, "tuple": (1, 2), "ids": {3: "three"}, "empty": {},
    }
    same(ck, want, "checkpoint")
    assert list(ck["model"]) == sorted(sd), "OrderedDict in key order"
    assert ck["optimizer"]["state"][0]["exp_avg"] is ck["model"]["0.weight"], "one tensor saved twice is one object"
    print("gograd_checkpoint.pt sha256 %s: every value and type equal (OrderedDict, int keys, tuple, list, None, str, shared tensor)"
          % hashlib.sha256(open(path, "rb").read()).hexdigest()[:16])


if __name__ == "__main__":
    main()
