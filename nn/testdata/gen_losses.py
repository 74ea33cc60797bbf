#!/usr/bin/python3
"""Writes losses.json: torch 1.13's forward values, gradients and grad_fn names of
the losses of torch.nn.functional, for nn/functional's golden tests
(TestLayersGolden and TestLayersGradCheck in nn/functional/golden_test.go, which
read this file as they read layers.json).

Run from anywhere with Debian's python3-torch:
    /usr/bin/python3 nn/testdata/gen_losses.py

Float inputs are drawn in float64 from a torch.Generator seeded per case and
stored; the float32 run rounds them. Integer targets (class indices, CTC labels
and lengths), ±1 labels and the other arguments are stored in params, which the
Go side passes to its function. The upstream gradient is that of (out * u).sum()
with u stored. Each case's op is the snake_case form of the Go function's name
("smooth_l1_loss" is functional.SmoothL1Loss, "KL_div" is functional.KLDiv).
"""
import torch
import torch.nn.functional as F

from gen_layers import write  # runs each case in both dtypes, as for layers.json

CASES = []
REDUCTIONS = ("mean", "sum", "none")


def flat(t):
    return t.detach().reshape(-1).tolist()


def case(name, op, params, inputs, fn, grads, seed=None):
    """inputs: name -> (shape, kind), kind one of "n" (normal), "p" (probability
    in (0.02, 0.98)), "pos" (|normal| + 0.3), "lsm" (log_softmax over dim 1),
    "dist" (softmax over dim 1), "bin" (0 or 1)."""
    g = torch.Generator().manual_seed(seed if seed is not None else 7 * len(CASES) + 3)
    ts = {}
    for k, (shape, kind) in inputs.items():
        t = torch.randn(*shape, generator=g, dtype=torch.float64)
        if kind == "p":
            t = torch.sigmoid(t) * 0.96 + 0.02
        elif kind == "pos":
            t = t.abs() + 0.3
        elif kind == "lsm":
            t = torch.log_softmax(t, 1)
        elif kind == "bin":
            t = (t > 0).double()
        elif kind == "dist":
            t = torch.softmax(t, 1)
        ts[k] = t
    CASES.append(dict(name=name, op=op, params=params, inputs=ts, fn=fn, grads=grads))


def ints(g, hi, *shape):
    return torch.randint(0, hi, shape, generator=g).tolist()


G = torch.Generator().manual_seed(12345)

# --- losses with float targets ---------------------------------------------
for red in REDUCTIONS:
    case(f"l1_loss_{red}", "l1_loss", dict(reduction=red), {"x": ((3, 4), "n"), "y": ((3, 4), "n")},
         lambda i, red=red: F.l1_loss(i["x"], i["y"], reduction=red), ["x", "y"])
    case(f"smooth_l1_loss_{red}", "smooth_l1_loss", dict(reduction=red, beta=0.7),
         {"x": ((4, 5), "n"), "y": ((4, 5), "n")},
         lambda i, red=red: F.smooth_l1_loss(i["x"], i["y"], reduction=red, beta=0.7), ["x", "y"])
    case(f"huber_loss_{red}", "huber_loss", dict(reduction=red, delta=0.6),
         {"x": ((4, 5), "n"), "y": ((4, 5), "n")},
         lambda i, red=red: F.huber_loss(i["x"], i["y"], reduction=red, delta=0.6), ["x", "y"])
case("smooth_l1_loss_beta0", "smooth_l1_loss", dict(reduction="mean", beta=0.0), {"x": ((6,), "n"), "y": ((6,), "n")},
     lambda i: F.smooth_l1_loss(i["x"], i["y"], beta=0.0), ["x", "y"])

for red in REDUCTIONS:
    case(f"binary_cross_entropy_weight_{red}", "binary_cross_entropy", dict(reduction=red),
         {"x": ((3, 4), "p"), "y": ((3, 4), "p"), "weight": ((4,), "pos")},
         lambda i, red=red: F.binary_cross_entropy(i["x"], i["y"], weight=i["weight"], reduction=red), ["x", "y"])
    case(f"binary_cross_entropy_with_logits_pos_weight_{red}", "binary_cross_entropy_with_logits", dict(reduction=red),
         {"x": ((3, 4), "n"), "y": ((3, 4), "p"), "weight": ((3, 1), "pos"), "pos_weight": ((4,), "pos")},
         lambda i, red=red: F.binary_cross_entropy_with_logits(i["x"], i["y"], weight=i["weight"], pos_weight=i["pos_weight"], reduction=red),
         ["x", "y"])
case("binary_cross_entropy_with_logits_weight", "binary_cross_entropy_with_logits", dict(reduction="sum"),
     {"x": ((2, 3), "n"), "y": ((2, 3), "p"), "weight": ((2, 3), "pos")},
     lambda i: F.binary_cross_entropy_with_logits(i["x"], i["y"], weight=i["weight"], reduction="sum"), ["x", "y"])

for red in REDUCTIONS + ("batchmean",):
    case(f"kl_div_{red}", "KL_div", dict(reduction=red, log_target=False),
         {"x": ((3, 5), "lsm"), "y": ((3, 5), "dist")},
         lambda i, red=red: F.kl_div(i["x"], i["y"], reduction=red), ["x", "y"])
case("kl_div_log_target", "KL_div", dict(reduction="sum", log_target=True),
     {"x": ((3, 5), "lsm"), "y": ((3, 5), "lsm")},
     lambda i: F.kl_div(i["x"], i["y"], reduction="sum", log_target=True), ["x", "y"])

for red in REDUCTIONS:
    case(f"poisson_nll_loss_log_{red}", "poisson_NLL_loss", dict(reduction=red, log_input=True, full=False, eps=1e-8),
         {"x": ((3, 4), "n"), "y": ((3, 4), "pos")},
         lambda i, red=red: F.poisson_nll_loss(i["x"], i["y"], log_input=True, reduction=red), ["x"])
case("poisson_nll_loss_full", "poisson_NLL_loss", dict(reduction="mean", log_input=False, full=True, eps=1e-8),
     {"x": ((3, 4), "pos"), "y": ((3, 4), "pos")},
     lambda i: F.poisson_nll_loss(i["x"], i["y"], log_input=False, full=True), ["x"])

for red in REDUCTIONS:
    case(f"gaussian_nll_loss_{red}", "gaussian_NLL_loss", dict(reduction=red, full=False, eps=1e-6),
         {"x": ((3, 4), "n"), "y": ((3, 4), "n"), "var": ((3, 4), "pos")},
         lambda i, red=red: F.gaussian_nll_loss(i["x"], i["y"], i["var"], reduction=red), ["x", "y", "var"])
case("gaussian_nll_loss_full_homoscedastic", "gaussian_NLL_loss", dict(reduction="mean", full=True, eps=1e-6),
     {"x": ((3, 4), "n"), "y": ((3, 4), "n"), "var": ((3, 1), "pos")},
     lambda i: F.gaussian_nll_loss(i["x"], i["y"], i["var"], full=True), ["x", "y", "var"])
case("gaussian_nll_loss_var_dropped_dim", "gaussian_NLL_loss", dict(reduction="sum", full=False, eps=1e-6),
     {"x": ((3, 4), "n"), "y": ((3, 4), "n"), "var": ((3,), "pos")},
     lambda i: F.gaussian_nll_loss(i["x"], i["y"], i["var"], reduction="sum"), ["x", "y", "var"])

# --- losses with ±1 labels ---------------------------------------------------
for red in REDUCTIONS:
    lab = [1, -1, 1, -1, -1]
    case(f"cosine_embedding_loss_{red}", "cosine_embedding_loss", dict(reduction=red, margin=-0.2, y=lab),
         {"x1": ((5, 4), "n"), "x2": ((5, 4), "n")},
         lambda i, red=red, lab=lab: F.cosine_embedding_loss(i["x1"], i["x2"], torch.tensor(lab, dtype=i["x1"].dtype), margin=-0.2, reduction=red),
         ["x1", "x2"])
    lab2 = [[1, -1, 1], [-1, -1, 1]]
    case(f"margin_ranking_loss_{red}", "margin_ranking_loss", dict(reduction=red, margin=0.3, y=lab2),
         {"x1": ((2, 3), "n"), "x2": ((2, 3), "n")},
         lambda i, red=red, lab=lab2: F.margin_ranking_loss(i["x1"], i["x2"], torch.tensor(lab, dtype=i["x1"].dtype), margin=0.3, reduction=red),
         ["x1", "x2"])
    case(f"hinge_embedding_loss_{red}", "hinge_embedding_loss", dict(reduction=red, margin=0.8, y=lab2),
         {"x": ((2, 3), "n")},
         lambda i, red=red, lab=lab2: F.hinge_embedding_loss(i["x"], torch.tensor(lab, dtype=i["x"].dtype), margin=0.8, reduction=red),
         ["x"])
    case(f"triplet_margin_loss_{red}", "triplet_margin_loss", dict(reduction=red, margin=1.5, p=2.0, eps=1e-6, swap=False),
         {"a": ((4, 3), "n"), "p": ((4, 3), "n"), "n": ((4, 3), "n")},
         lambda i, red=red: F.triplet_margin_loss(i["a"], i["p"], i["n"], margin=1.5, reduction=red), ["a", "p", "n"])
case("triplet_margin_loss_p1_swap", "triplet_margin_loss", dict(reduction="mean", margin=2.0, p=1.0, eps=1e-6, swap=True),
     {"a": ((5, 3), "n"), "p": ((5, 3), "n"), "n": ((5, 3), "n")},
     lambda i: F.triplet_margin_loss(i["a"], i["p"], i["n"], margin=2.0, p=1, swap=True), ["a", "p", "n"])
case("cosine_embedding_loss_unbatched", "cosine_embedding_loss", dict(reduction="mean", margin=0.0, y=-1),
     {"x1": ((4,), "n"), "x2": ((4,), "n")},
     lambda i: F.cosine_embedding_loss(i["x1"], i["x2"], torch.tensor(-1, dtype=i["x1"].dtype)), ["x1", "x2"])

# --- class-index losses ------------------------------------------------------
for red in REDUCTIONS:
    t = ints(G, 5, 4)
    case(f"cross_entropy_{red}", "cross_entropy", dict(reduction=red, target=t),
         {"x": ((4, 5), "n")}, lambda i, red=red, t=t: F.cross_entropy(i["x"], torch.tensor(t), reduction=red), ["x"])
    t = [2, -100, 0, 4, 1, -100]
    case(f"cross_entropy_weight_ignore_{red}", "cross_entropy", dict(reduction=red, target=t, ignore_index=-100),
         {"x": ((6, 5), "n"), "weight": ((5,), "pos")},
         lambda i, red=red, t=t: F.cross_entropy(i["x"], torch.tensor(t), weight=i["weight"], reduction=red), ["x"])
    t = [[[1, 0, 2], [2, 2, 1]], [[0, 1, 1], [2, 0, 0]]]
    case(f"cross_entropy_4d_smoothing_{red}", "cross_entropy", dict(reduction=red, target=t, label_smoothing=0.2, ignore_index=1),
         {"x": ((2, 3, 2, 3), "n"), "weight": ((3,), "pos")},
         lambda i, red=red, t=t: F.cross_entropy(i["x"], torch.tensor(t), weight=i["weight"], ignore_index=1, label_smoothing=0.2, reduction=red), ["x"])
    case(f"cross_entropy_probs_{red}", "cross_entropy", dict(reduction=red, label_smoothing=0.1),
         {"x": ((3, 4), "n"), "y": ((3, 4), "dist"), "weight": ((4,), "pos")},
         lambda i, red=red: F.cross_entropy(i["x"], i["y"], weight=i["weight"], label_smoothing=0.1, reduction=red), ["x", "y"])
    t = [[0, 3, 1], [2, 2, 0]]
    case(f"nll_loss_3d_{red}", "NLL_loss", dict(reduction=red, target=t, ignore_index=3),
         {"x": ((2, 4, 3), "n"), "weight": ((4,), "pos")},
         lambda i, red=red, t=t: F.nll_loss(i["x"], torch.tensor(t), weight=i["weight"], ignore_index=3, reduction=red), ["x"])
    t = ints(G, 4, 5)
    case(f"multi_margin_loss_{red}", "multi_margin_loss", dict(reduction=red, target=t, p=1, margin=1.0),
         {"x": ((5, 4), "n")}, lambda i, red=red, t=t: F.multi_margin_loss(i["x"], torch.tensor(t), reduction=red), ["x"])
    case(f"multilabel_soft_margin_loss_{red}", "multi_label_soft_margin_loss", dict(reduction=red),
         {"x": ((3, 4), "n"), "y": ((3, 4), "bin"), "weight": ((4,), "pos")},
         lambda i, red=red: F.multilabel_soft_margin_loss(i["x"], i["y"], weight=i["weight"], reduction=red), ["x"])
case("cross_entropy_unbatched_smoothing", "cross_entropy", dict(reduction="mean", target=3, label_smoothing=0.3),
     {"x": ((5,), "n")}, lambda i: F.cross_entropy(i["x"], torch.tensor(3), label_smoothing=0.3), ["x"])
case("cross_entropy_3d", "cross_entropy", dict(reduction="mean", target=[[0, 2, 1, 1], [2, 0, 0, 1]]),
     {"x": ((2, 3, 4), "n")}, lambda i: F.cross_entropy(i["x"], torch.tensor([[0, 2, 1, 1], [2, 0, 0, 1]])), ["x"])
t = ints(G, 5, 4)
case("multi_margin_loss_p2_weight", "multi_margin_loss", dict(reduction="mean", target=t, p=2, margin=0.7),
     {"x": ((4, 5), "n"), "weight": ((5,), "pos")},
     lambda i, t=t: F.multi_margin_loss(i["x"], torch.tensor(t), p=2, margin=0.7, weight=i["weight"]), ["x"])

# --- CTC: log_softmax(x) is the loss's input, so that the gradient of x is the
# true gradient (PyTorch's CTC gradient assumes normalised log-probabilities). --
for red in REDUCTIONS:
    targets = [[1, 2, 2, 3], [3, 1, 0, 0], [2, 2, 2, 1]]
    case(f"ctc_loss_{red}", "CTC_loss", dict(reduction=red, targets=targets, input_lengths=[8, 6, 8], target_lengths=[4, 2, 3],
                                              blank=0, zero_infinity=False),
         {"x": ((8, 3, 4), "n")},
         lambda i, red=red, tg=targets: F.ctc_loss(torch.log_softmax(i["x"], 2), torch.tensor(tg), [8, 6, 8], [4, 2, 3], reduction=red),
         ["x"])
case("ctc_loss_zero_infinity_blank2", "CTC_loss",
     dict(reduction="sum", targets=[[0, 1, 1], [1, 0, 1]], input_lengths=[3, 5], target_lengths=[3, 3], blank=2, zero_infinity=True),
     {"x": ((5, 2, 3), "n")},
     lambda i: F.ctc_loss(torch.log_softmax(i["x"], 2), torch.tensor([[0, 1, 1], [1, 0, 1]]), [3, 5], [3, 3], blank=2,
                          reduction="sum", zero_infinity=True), ["x"])

case("ctc_loss_concatenated_targets", "CTC_loss",
     dict(reduction="mean", targets=[1, 2, 3, 3, 1], input_lengths=[6, 5], target_lengths=[3, 2], blank=0, zero_infinity=False),
     {"x": ((6, 2, 4), "n")},
     lambda i: F.ctc_loss(torch.log_softmax(i["x"], 2), torch.tensor([1, 2, 3, 3, 1]), [6, 5], [3, 2]), ["x"])


def main():
    write(CASES, "losses.json")


if __name__ == "__main__":
    main()
