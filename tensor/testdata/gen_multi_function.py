# Generates multi_function.json: what PyTorch 1.13 does with a custom Function
# of several results (forward returns a tuple), with set_materialize_grads on
# and off: the gradients its backward receives, the inputs' gradients, the
# grad_fn names, and a second derivative through it. TestApplyMulti
# (function_test.go) checks the same. Run with /usr/bin/python3.
import json, torch

dt = torch.float64
MAT = True

class SinCos(torch.autograd.Function):
    # (x, w) -> (sin(x) * w, cos(x) + w, argmax of x as a non-differentiable float)
    @staticmethod
    def forward(ctx, x, w):
        ctx.set_materialize_grads(MAT)
        ctx.save_for_backward(x, w)
        idx = x.argmax().reshape(1).to(dt)
        ctx.mark_non_differentiable(idx)
        return x.sin() * w, x.cos() + w, idx

    @staticmethod
    def backward(ctx, ga, gb, gi):
        x, w = ctx.saved_tensors
        seen.append([None if g is None else g.reshape(-1).tolist() for g in (ga, gb, gi)])
        gx = torch.zeros_like(x)
        gw = torch.zeros_like(w)
        if ga is not None:
            gx = gx + ga * x.cos() * w
            gw = gw + ga * x.sin()
        if gb is not None:
            gx = gx - gb * x.sin()
            gw = gw + gb
        return gx, gw

x0 = [0.5, 1.5, -1.0]
w0 = [2.0, -0.5, 1.25]
losses = {
    "a": lambda a, b: (a * 3).sum(),
    "b": lambda a, b: (b * b).sum(),
    "ab": lambda a, b: (a * b).sum(),
}
out = {"x": x0, "w": w0, "cases": {}}
for MAT in (True, False):
    for name, loss in losses.items():
        seen = []
        x = torch.tensor(x0, dtype=dt, requires_grad=True)
        w = torch.tensor(w0, dtype=dt, requires_grad=True)
        a, b, i = SinCos.apply(x, w)
        facts = {"grad_fn": a.grad_fn.name(), "same_node": b.grad_fn is a.grad_fn,
                 "idx_requires_grad": i.requires_grad,
                 "next": [f[0].name() for f in a.grad_fn.next_functions]}
        loss(a, b).backward()
        c = {"seen": seen, "x_grad": x.grad.tolist(), "w_grad": w.grad.tolist(), **facts}
        # Second derivative: d/dx of the sum of d(loss)/dx.
        seen = []
        x = torch.tensor(x0, dtype=dt, requires_grad=True)
        w = torch.tensor(w0, dtype=dt, requires_grad=True)
        a, b, _ = SinCos.apply(x, w)
        gx, = torch.autograd.grad(loss(a, b), x, create_graph=True)
        gx.sum().backward()
        c["x_grad2"] = x.grad.tolist()
        c["w_grad2"] = w.grad.tolist()
        out["cases"][("materialize_" if MAT else "nomaterialize_") + name] = c
with open("multi_function.json", "w") as f:
    json.dump(out, f, indent=1)
