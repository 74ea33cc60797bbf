"""gen_want.py - writes examples/seed*/want.txt: what each Go example must print.

Each function below is the PyTorch original of one Go example (examples/seedNNN),
printing the same lines (Go prints booleans as true/false). Run from the repository
root with Debian's PyTorch:  /usr/bin/python3 examples/testdata/gen_want.py
"""
import contextlib, io, os
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def b(v):
    return str(v).lower()


def seed000():
    x = torch.tensor(30.)
    W = torch.tensor(40., requires_grad=True)
    bb = torch.tensor(50., requires_grad=True)
    print("W.is_leaf:", b(W.is_leaf), "x.is_leaf:", b(x.is_leaf), "b.is_leaf:", b(bb.is_leaf))
    z = W * x + bb
    print("z:", z)
    print("z.is_leaf:", b(z.is_leaf))
    z.backward()
    print("dz/dW = W.grad:", W.grad)
    print("dz/db = b.grad:", bb.grad)

    x = torch.tensor(1.5)
    y = torch.tensor(1.)
    W = torch.tensor(0.8, requires_grad=True)
    bb = torch.tensor(-0.5, requires_grad=True)
    alpha = 0.1
    z = W * x + bb
    y_hat = torch.sigmoid(z)
    loss = (y - y_hat).pow(2)
    print("y_hat:", y_hat)
    print("loss:", loss)
    loss.backward()
    print("autograd dL/dW:", W.grad)
    print("autograd dL/db:", bb.grad)
    with torch.no_grad():
        dL = (y - y_hat) * -2
        dY = y_hat * (1 - y_hat)
        print("dL/dy_hat:", dL)
        print("dy_hat/dz:", dY)
        print("chain rule dL/dW:", dL * dY * x)
        print("chain rule dL/db:", dL * dY)
        W.copy_(W - W.grad * alpha)
        bb.copy_(bb - bb.grad * alpha)
    print("updated W:", W)
    print("updated b:", bb)
    print("new loss:", (y - torch.sigmoid(W * x + bb)).pow(2).detach())


def seed001():
    x = torch.tensor(3.0, requires_grad=True)
    y = x ** 2
    z = 2 * y + 3
    z.backward()
    print(f"Gradient of x (dz/dx): {x.grad.item():g}")
    x = torch.tensor([-2.3873, 1.7180, 0.2499], requires_grad=True)
    print(f'{x=}')
    y = x * 2
    z = y.mean()
    print(f'{z=}')
    z.backward()
    print(f'\ngrad dz/dx = {x.grad}')


def seed002():
    import math
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    with torch.no_grad():
        for k, p in enumerate(model.parameters()):
            p.copy_(torch.tensor([0.5 * math.sin(10 * k + i + 1) for i in range(p.numel())]).reshape(p.shape))
    some_input = torch.tensor([math.cos(i) for i in range(15)]).reshape(5, 3)
    ideal_output = torch.tensor([float(i % 3) - 1 for i in range(10)]).reshape(5, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
    for step in range(5):
        prediction = model(some_input)
        loss = (ideal_output - prediction).pow(2).sum()
        print(f"step {step} loss {loss!r}")
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    print("final prediction:", model(some_input))


def seed003():
    torch.manual_seed(0)
    x = torch.ones(5)
    y = torch.zeros(3)
    w = torch.randn(5, 3, requires_grad=True)
    bb = torch.randn(3, requires_grad=True)
    z = torch.matmul(x, w) + bb
    loss = F.binary_cross_entropy_with_logits(z, y)
    print(loss)
    print(f"Gradient function for z = <{type(z.grad_fn).__name__}>")
    print(f"Gradient function for loss = <{type(loss.grad_fn).__name__}>")
    loss.backward()
    print(w.grad)
    print(bb.grad)


def main():
    for name, fn in [("seed000", seed000), ("seed001", seed001), ("seed002", seed002),
                     ("seed003", seed003)]:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            fn()
        with open(os.path.join(HERE, "..", name, "want.txt"), "w") as f:
            f.write(buf.getvalue())


if __name__ == "__main__":
    main()
