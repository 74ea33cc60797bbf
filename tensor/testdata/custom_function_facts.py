# Prints what PyTorch 1.13 does with custom Functions that use mark_dirty,
# mark_non_differentiable and @once_differentiable; TestMarkDirty,
# TestMarkNonDifferentiable and TestOnceDifferentiable (function_test.go) check
# the same facts. Run: /usr/bin/python3 custom_function_facts.py
import torch
from torch.autograd.function import once_differentiable
class Double_(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x.mul_(2); ctx.mark_dirty(x); return x
    @staticmethod
    def backward(ctx, g): return g * 2
x = torch.tensor([1., 2.], requires_grad=True)
a = x * 3
v0 = a._version
y = Double_.apply(a)
print(y is a, a._version - v0, a.grad_fn.name(), y.grad_fn.next_functions[0][0].name())
(y * y).sum().backward(); print(x.grad.tolist())
class Argmax(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        r = (x > 1).double(); ctx.mark_non_differentiable(r); return r
    @staticmethod
    def backward(ctx, g): return None
r = Argmax.apply(x); print(r.requires_grad, r.grad_fn)
class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x): ctx.save_for_backward(x); return x ** 3
    @staticmethod
    @once_differentiable
    def backward(ctx, g): x, = ctx.saved_tensors; return g * 3 * x * x
y = (Cube.apply(x) ** 2).sum()
try: torch.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)[0].sum().backward()
except RuntimeError as e: print('plain:', e)
g, = torch.autograd.grad(y, x, create_graph=True); print(g.tolist(), g.requires_grad, g.grad_fn.name())
try: g.sum().backward()
except RuntimeError as e: print("once:", e)
try: Double_.apply(x)  # last: mul_ runs before the refusal
except RuntimeError as e: print("leaf:", e)
