# Generates hooks_golden.json: the order in which PyTorch 1.13 calls tensor hooks,
# Node pre-hooks and post-hooks (AccumulateGrad's included) in one backward pass,
# and the gradients each sees. Run: /usr/bin/python3 gen_hooks_golden.py > hooks_golden.json
# The graph, mirrored by TestHooksGolden in hooks_test.go:
#   x = [1, 2], w = [3, -1] (float64 leaves)
#   a = x.exp(); b = a * w; c = b + x; y = (c * c).sum()
import json
import torch

events = []


def vals(ts):
    return [None if t is None else t.detach().reshape(-1).tolist() for t in ts]


def log(name, *ts):
    events.append({"event": name, "values": vals(ts)})


x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
w = torch.tensor([3.0, -1.0], dtype=torch.float64, requires_grad=True)
a = x.exp()
b = a * w
c = b + x
y = (c * c).sum()

x.register_hook(lambda g: log("x hook", g))
w.register_hook(lambda g: (log("w hook", g), g * 10)[1])
gone = w.register_hook(lambda g: log("removed hook", g))
gone.remove()
b.register_hook(lambda g: (log("b hook", g), g * 2)[1])
b.grad_fn.register_prehook(lambda go: log("b prehook", *go))
b.grad_fn.register_hook(lambda gi, go: log("b posthook", *gi, *go))
c.grad_fn.register_hook(lambda gi, go: log("c posthook", *gi, *go))
acc_x = a.grad_fn.next_functions[0][0]
assert type(acc_x).__name__ == "AccumulateGrad"
acc_x.register_hook(lambda gi, go: log("x accumulate posthook", *gi, *go, x.grad))
y.backward()
print(json.dumps({
    "torch": torch.__version__,
    "events": events,
    "x_grad": x.grad.tolist(),
    "w_grad": w.grad.tolist(),
}, indent=1))
