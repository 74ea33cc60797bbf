#!/usr/bin/python3
"""Writes differentiable.json: SGD, Adam and RMSprop with differentiable=True
in torch.optim 1.13, for the Go test TestDifferentiableGolden in
optim/differentiable_test.go.

Run with Debian's python3-torch: /usr/bin/python3 optim/testdata/gen_differentiable.py

Each case is a small meta-learning problem. A leaf w (2x3) is the upstream
tensor; the optimized parameter is the non-leaf p = 1.5*w. For STEPS steps,
p's gradient is set to tanh(p)*x + 0.1*w (a function of p and w, recorded)
and the optimizer steps. Then the outer loss (p*p*y).sum() is backpropagated
to w. The case records p after each step, the outer loss and w.grad, in
float64 and float32. The MAML cases (names starting maml_) set p's gradient
instead to torch.autograd.grad of the inner loss ((p - Y)**2 * x).sum() with
create_graph=True, as MAML's inner loop does.

PyTorch 1.13 updates Adam's and centered RMSprop's state in place after
saving it for backward, so its own backward through a second step fails
("modified by an inplace operation"). Before each step the script therefore
replaces every state tensor by a clone of itself (recorded, so gradients
still flow through it): the arithmetic is PyTorch's own, and the graph is
the one PyTorch would have if it did not overwrite what it saved.
"""
import json
import os

import torch

STEPS = 3
W = [[0.5, -1.2, 0.3], [2.0, -0.7, 0.05]]
X = [[1.0, 0.5, -2.0], [0.25, -1.5, 3.0]]
Y = [[0.3, -0.2, 1.1], [0.7, 0.4, -0.9]]

MAML = {
    "maml_sgd_momentum": (torch.optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    "maml_adam": (torch.optim.Adam, {"lr": 0.05}),
    "maml_rmsprop": (torch.optim.RMSprop, {"lr": 0.01, "momentum": 0.3}),
}

CASES = {
    "sgd": (torch.optim.SGD, {"lr": 0.1}),
    "sgd_momentum_wd": (torch.optim.SGD, {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
    "sgd_nesterov_maximize": (torch.optim.SGD, {"lr": 0.05, "momentum": 0.8, "nesterov": True, "maximize": True}),
    "adam": (torch.optim.Adam, {"lr": 0.01}),
    "adam_amsgrad_wd": (torch.optim.Adam, {"lr": 0.02, "betas": (0.8, 0.95), "eps": 1e-6, "weight_decay": 0.1,
                                           "amsgrad": True}),
    "adam_maximize": (torch.optim.Adam, {"lr": 0.05, "maximize": True}),
    "rmsprop": (torch.optim.RMSprop, {"lr": 0.01}),
    "rmsprop_centered_momentum_wd": (torch.optim.RMSprop, {"lr": 0.01, "alpha": 0.9, "momentum": 0.5,
                                                           "centered": True, "weight_decay": 0.05}),
    "rmsprop_maximize": (torch.optim.RMSprop, {"lr": 0.02, "maximize": True, "eps": 1e-4}),
}


def flat(t):
    return t.detach().double().reshape(-1).tolist()


def run(name, cls, kw, dtype):
    w = torch.tensor(W, dtype=dtype, requires_grad=True)
    x, y = torch.tensor(X, dtype=dtype), torch.tensor(Y, dtype=dtype)
    p = w * 1.5
    opt = cls([p], differentiable=True, **kw)
    params = []
    for _ in range(STEPS):
        state = opt.state[p]
        for k, v in list(state.items()):
            if torch.is_tensor(v) and k != "step":
                state[k] = v.clone()
        if name.startswith("maml_"):
            inner = ((p - y) ** 2 * x).sum()
            p.grad = torch.autograd.grad(inner, p, create_graph=True)[0]
        else:
            p.grad = torch.tanh(p) * x + w * 0.1
        opt.step()
        params.append(flat(p))
    loss = (p * p * y).sum()
    loss.backward()
    return {"name": name, "dtype": str(dtype).replace("torch.", ""), "params": params,
            "loss": loss.item(), "w_grad": flat(w.grad)}


def main():
    cases = [run(n, cls, kw, dt) for dt in (torch.float64, torch.float32)
             for n, (cls, kw) in list(CASES.items()) + list(MAML.items())]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "differentiable.json")
    with open(path, "w") as f:
        json.dump({"steps": STEPS, "w": W, "x": X, "y": Y, "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
