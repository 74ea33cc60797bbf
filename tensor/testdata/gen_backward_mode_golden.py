# Generates backward_mode_golden.json: what PyTorch 1.13 shows user code that runs
# inside a backward pass (tensor hooks, Node pre- and post-hooks, a leaf's hook,
# a custom Function's backward): whether grad mode is on, and whether an op on a
# tensor that requires grad records (requires_grad of its result); and where
# torch.autograd.grad captures the gradient of a non-leaf input that has a hook.
# Run: /usr/bin/python3 gen_backward_mode_golden.py > backward_mode_golden.json
# Mirrored by TestBackwardModeGolden and TestGradCaptureBeforeHook in
# backward_mode_test.go.
import json
import torch

w = torch.tensor([2.0, -1.0], dtype=torch.float64, requires_grad=True)


def probe(seen, name):
    def f(g):
        seen[name] = {"grad_enabled": torch.is_grad_enabled(),
                      "records": (g * w).requires_grad}
    return f


class Scale(torch.autograd.Function):
    seen = None

    @staticmethod
    def forward(ctx, x):
        return x * 3

    @staticmethod
    def backward(ctx, g):
        probe(Scale.seen, "function backward")(g)
        return g * 3


def run(create, no_grad):
    seen = {}
    Scale.seen = seen
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    a = x.exp()
    a.register_hook(lambda g: probe(seen, "tensor hook")(g))
    a.grad_fn.register_prehook(lambda go: probe(seen, "node prehook")(go[0]))
    a.grad_fn.register_hook(lambda gi, go: probe(seen, "node posthook")(go[0]))
    x.register_hook(lambda g: probe(seen, "leaf hook")(g))
    y = (Scale.apply(a) * a).sum()
    if no_grad:
        with torch.no_grad():
            y.backward(create_graph=create)
    else:
        y.backward(create_graph=create)
    seen["after"] = {"grad_enabled": torch.is_grad_enabled(), "x_grad_requires_grad": x.grad.requires_grad}
    return seen


modes = {
    "plain": run(False, False),
    "create_graph": run(True, False),
    "no_grad_plain": run(False, True),
    "no_grad_create_graph": run(True, True),
}


def capture():
    calls = []
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: (calls.append(1), g * 10)[1])
    z = (y * 3).sum()
    out = {}
    out["grad_y"] = [g.tolist() for g in torch.autograd.grad(z, [y], retain_graph=True)]
    out["grad_y_hook_calls"] = len(calls)
    out["grad_x"] = [g.tolist() for g in torch.autograd.grad(z, [x], retain_graph=True)]
    out["grad_y_x"] = [g.tolist() for g in torch.autograd.grad(z, [y, x], retain_graph=True)]
    out["grad_y_create"] = [g.tolist() for g in torch.autograd.grad(z, [y], retain_graph=True, create_graph=True)]
    z.backward(inputs=[y])
    out["backward_inputs_y_grad"] = y.grad.tolist()
    return out


print(json.dumps({"torch": torch.__version__, "modes": modes, "capture": capture()}, indent=1))
