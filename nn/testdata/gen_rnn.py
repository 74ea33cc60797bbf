#!/usr/bin/python3
"""Writes rnn.json: torch 1.13's RNN, LSTM, GRU and their cells, each built with
the case's arguments and a seeded state dict, run forward in float64 and float32
on stored inputs (and initial states), then backward from stored upstream
gradients of every output. Read by nn's TestRNNGolden and TestRNNGradCheck
(nn/rnn_test.go).

Run from anywhere with Debian's python3-torch:
    /usr/bin/python3 nn/testdata/gen_rnn.py

Every case stores the state dict (float64; the float32 run rounds it), the inputs
x, h0 (and c0), the upstream gradients of out, h_n (and c_n), and per dtype the
outputs and the gradients of the inputs and of every parameter, by PyTorch's
names. The loss is sum(out*u_out) + sum(h_n*u_h) (+ sum(c_n*u_c)).
"""
import json
import os

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


def flat(t):
    return t.detach().reshape(-1).tolist()


def enc(t):
    return {"shape": list(t.shape), "data": flat(t)}


CASES = []


def case(name, module, kwargs, x, h0=True, c0=False, seed=None):
    CASES.append(dict(name=name, module=module, kwargs=kwargs, x=x, h0=h0, c0=c0,
                      seed=seed if seed is not None else len(CASES) + 1))


# Multi-layer modules: x is (T, B, I), or (B, T, I) with batch_first, or (T, I).
case("rnn_tanh", "RNN", dict(input_size=3, hidden_size=4), (5, 2, 3))
case("rnn_tanh_zero_state", "RNN", dict(input_size=3, hidden_size=4), (4, 3, 3), h0=False)
case("rnn_relu_2layer_bidir_batch_first", "RNN",
     dict(input_size=3, hidden_size=4, num_layers=2, nonlinearity="relu", bidirectional=True, batch_first=True), (2, 5, 3))
case("lstm", "LSTM", dict(input_size=3, hidden_size=5), (6, 2, 3), c0=True)
case("lstm_2layer_bidir", "LSTM", dict(input_size=4, hidden_size=3, num_layers=2, bidirectional=True), (5, 3, 4), c0=True)
case("lstm_3layer_batch_first_nobias", "LSTM",
     dict(input_size=3, hidden_size=4, num_layers=3, bias=False, batch_first=True), (2, 4, 3), c0=True)
case("lstm_unbatched", "LSTM", dict(input_size=3, hidden_size=4, num_layers=2), (5, 3), c0=True)
case("lstm_zero_state_eval_dropout", "LSTM", dict(input_size=3, hidden_size=4, num_layers=2, dropout=0.5), (4, 2, 3), h0=False)
case("gru", "GRU", dict(input_size=3, hidden_size=4), (5, 2, 3))
case("gru_2layer_bidir_batch_first", "GRU",
     dict(input_size=2, hidden_size=3, num_layers=2, bidirectional=True, batch_first=True), (3, 4, 2))
case("gru_unbatched_nobias", "GRU", dict(input_size=3, hidden_size=2, bias=False), (4, 3))
# Cells: x is (B, I) or (I).
case("rnn_cell", "RNNCell", dict(input_size=3, hidden_size=4), (2, 3))
case("rnn_cell_relu_nobias", "RNNCell", dict(input_size=3, hidden_size=4, nonlinearity="relu", bias=False), (3, 3))
case("lstm_cell", "LSTMCell", dict(input_size=3, hidden_size=5), (2, 3), c0=True)
case("lstm_cell_unbatched", "LSTMCell", dict(input_size=4, hidden_size=3), (4,), c0=True)
case("gru_cell", "GRUCell", dict(input_size=3, hidden_size=4), (3, 3))
case("gru_cell_zero_state", "GRUCell", dict(input_size=3, hidden_size=4), (2, 3), h0=False)


def state_shape(c):
    kw = c["kwargs"]
    cell = c["module"].endswith("Cell")
    n = 1 if cell else kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    x = c["x"]
    batched = len(x) == (2 if cell else 3)
    shape = [] if cell else [n]
    if batched:
        shape.append(x[0] if cell or kw.get("batch_first") else x[1])
    return shape + [kw["hidden_size"]]


def run(c, m, inputs, ups, dtype):
    m = m.to(dtype)
    m.eval()  # dropout off; these modules behave alike otherwise
    ins = {k: v.to(dtype).clone().requires_grad_(True) for k, v in inputs.items()}
    lstm = c["module"].startswith("LSTM")
    cell = c["module"].endswith("Cell")
    hx = None
    if "h0" in ins:
        hx = (ins["h0"], ins["c0"]) if lstm else ins["h0"]
    if cell:
        r = m(ins["x"], hx)
        outs = {"hn": r[0], "cn": r[1]} if lstm else {"hn": r}
    else:
        out, h = m(ins["x"], hx)
        outs = {"out": out, "hn": h[0], "cn": h[1]} if lstm else {"out": out, "hn": h}
    if ups is None:
        return {"outputs": {k: enc(v) for k, v in outs.items()}}
    loss = sum((outs[k] * ups[k].to(dtype)).sum() for k in outs)
    loss.backward()
    grads = {k: flat(v.grad) for k, v in ins.items()}
    grads.update({k: flat(p.grad) for k, p in m.named_parameters()})
    return {"outputs": {k: enc(v) for k, v in outs.items()}, "grads": grads}


def main():
    out = []
    for c in CASES:
        g = torch.Generator().manual_seed(c["seed"])
        torch.manual_seed(c["seed"])
        m = getattr(nn, c["module"])(**c["kwargs"]).double()
        # Spread the weights beyond the default ±1/√H so the gates saturate differently.
        with torch.no_grad():
            for p in m.parameters():
                p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64) * 0.6)
        inputs = {"x": torch.randn(c["x"], generator=g, dtype=torch.float64)}
        s = state_shape(c)
        if c["h0"]:
            inputs["h0"] = torch.randn(s, generator=g, dtype=torch.float64)
            if c["c0"]:
                inputs["c0"] = torch.randn(s, generator=g, dtype=torch.float64)
        ref = run(c, m, inputs, None, torch.float64)
        ups = {k: torch.randn(v["shape"], generator=g, dtype=torch.float64) for k, v in ref["outputs"].items()}
        m.zero_grad()
        sd = {k: enc(v) for k, v in m.state_dict().items()}
        r64 = run(c, m, inputs, ups, torch.float64)
        m.zero_grad()
        r32 = run(c, m, inputs, ups, torch.float32)
        out.append({"name": c["name"], "module": c["module"], "kwargs": c["kwargs"], "state_dict": sd,
                    "inputs": {k: enc(v) for k, v in inputs.items()},
                    "upstream": {k: enc(v) for k, v in ups.items()},
                    "float64": r64, "float32": r32, "print": str(m)})
    with open(os.path.join(HERE, "rnn.json"), "w") as f:
        json.dump({"torch": torch.__version__, "modules": out}, f)


if __name__ == "__main__":
    main()
