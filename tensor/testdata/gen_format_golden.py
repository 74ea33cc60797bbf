#!/usr/bin/python3
"""Writes format_golden.json: PyTorch 1.13's repr of deterministic tensors.

Run from this directory with Debian's python3-torch:

    /usr/bin/python3 gen_format_golden.py

Each case holds the tensor's dtype, shape, flat data (nan and infinities as the
strings "nan", "inf", "-inf"), whether it is a leaf that requires grad, the name of
the grad_fn PyTorch gave it (the Go test attaches a node of that name), and want,
PyTorch's repr. Inputs come from arange, linspace and explicit lists, never from
torch's RNG, so Go can rebuild them exactly.
"""

import json
import math

import torch

DTYPES = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.bool: "bool"}


def enc(v):
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
    return v


cases = []


def add(name, t):
    cases.append(
        {
            "name": name,
            "dtype": DTYPES[t.dtype],
            "shape": list(t.shape),
            "data": [enc(v) for v in t.detach().reshape(-1).tolist()],
            "requires_grad": t.requires_grad and t.grad_fn is None,
            "grad_fn": type(t.grad_fn).__name__ if t.grad_fn is not None else "",
            "want": repr(t),
        }
    )


f = torch.tensor
inf, nan = math.inf, math.nan

# 0-d
add("scalar_int", f(1250.0))
add("scalar_zero", f(0.0))
add("scalar_neg_int", f(-3.0))
add("scalar_frac", f(-0.5))
add("scalar_third", f(1 / 3))
add("scalar_small", f(1e-5))
add("scalar_big", f(1.5e9))
add("scalar_nan", f(nan))
add("scalar_neg_inf", f(-inf))
add("scalar_neg_zero", f(-0.0))
add("scalar_int64", f(-42))
add("scalar_float64", f(2.5, dtype=torch.float64))

# seeds from the brief
x = f(40.0, requires_grad=True)
add("seed_add_backward", x * 30 + 50)
add("seed_thirds", f([2 / 3, 2 / 3, 2 / 3]))
add("seed_requires_grad", f([-2.3873, 1.7180, 0.2499], requires_grad=True))
add("seed_mean_backward", f([-0.2796, -0.2796], requires_grad=True).mean())

# 1-d
add("vec_ints", f([1.0, -3.0, 20.0]))
add("vec_fixed", torch.linspace(-1, 1, 7))
add("vec_mixed_width", f([0.001, 123.4567, -9.5]))
add("vec_int64", f([1, 2, 3]))
add("vec_int64_neg", f([-100, 5, 123456789012]))
add("vec_float64", torch.linspace(0, 1, 5, dtype=torch.float64))
add("vec_float64_ints", f([1.0, 2.0], dtype=torch.float64))
add("vec_neg_zero", f([-0.0, 1.5, 0.0]))
add("vec_neg_zero_int", f([-0.0, 1.0, 2.0]))
add("vec_all_zero", torch.zeros(4))

# sci mode
add("sci_small", f([1e-5, 2e-5, 0.5]))
add("sci_large", f([1.0e9, 2.5]))
add("sci_ratio", f([0.001, 2.0]))
add("sci_int_ratio", f([1.0, 1001.0]))
add("int_ratio_1000", f([1.0, 1000.0]))
add("sci_int_huge", f([2.0e8, 3.0e8]))
add("sci_float64_tiny", f([1e-300, 1e300], dtype=torch.float64))
add("sci_neg", f([-1e-6, 3e-3, -7.25]))

# nan / inf
add("nan_inf_ints", f([1.0, nan, inf, -inf]))
add("nan_inf_frac", f([0.5, nan, -inf]))
add("nan_inf_sci", f([1e-6, nan, inf]))
add("only_nonfinite", f([nan, inf, -inf]))
add("nan_zero", f([nan, 0.0]))

# matrices and higher
add("mat_5x3", torch.arange(15.0).reshape(5, 3) / 7 - 1)
add("mat_5x3_ints", torch.arange(15.0).reshape(5, 3) * 3 - 20)
add("mat_int64", torch.arange(12).reshape(3, 4) - 5)
add("mat_1x1", f([[2.0]]))
add("t3d", torch.linspace(-2, 2, 24).reshape(2, 3, 4))
add("t4d", torch.arange(36.0).reshape(2, 3, 2, 3) / 4)
add("t4d_float64", torch.arange(16.0, dtype=torch.float64).reshape(2, 2, 2, 2))

# wrapping
add("wrap_vec", torch.linspace(-1, 1, 30))
add("wrap_vec_ints", torch.arange(50.0))
add("wrap_mat", torch.arange(60.0).reshape(2, 30) / 3)
add("wrap_3d", torch.arange(80.0).reshape(2, 2, 20) * 1.5)
add("wrap_int64", torch.arange(40) * 1000)
add("wrap_sci", torch.linspace(1e-5, 1, 12))

# summarised
add("sum_arange_2000", torch.arange(2000.0))
add("sum_arange_int64", torch.arange(1500))
add("sum_40x40", torch.arange(1600.0).reshape(40, 40) / 1600)
add("sum_3x500", torch.arange(1500.0).reshape(3, 500) - 700)
add("sum_3d", torch.arange(1050.0).reshape(10, 15, 7))
add("sum_sci_edges", torch.cat([f([1e-7]), torch.ones(1000), f([2.0])]))
add("sum_float64", torch.linspace(0, 1, 1001, dtype=torch.float64))
add("sum_int64_2d", torch.arange(2400).reshape(20, 120) - 1200)
add("sum_nan_edges", torch.cat([f([nan]), torch.arange(1000.0) / 8, f([-inf])]))
add("rows_many_small", torch.arange(40.0).reshape(20, 2) / 3)
add("not_summarised_1000", torch.arange(1000.0))

# empty
add("empty_1d", torch.zeros(0))
add("empty_2x0", torch.zeros(2, 0))
add("empty_0x3x2", torch.zeros(0, 3, 2))
add("empty_int64", torch.zeros(0, dtype=torch.int64))
add("empty_float64_2d", torch.zeros(3, 0, dtype=torch.float64))
add("empty_requires_grad", torch.zeros(0, requires_grad=True))

# suffixes and their wrapping
add("suffix_wrap_requires_grad", torch.linspace(-1, 1, 9).requires_grad_())
add("suffix_wrap_grad_fn", torch.linspace(-1, 1, 9, requires_grad=True) * 2)
add("suffix_fits", torch.linspace(-1, 1, 5).requires_grad_())
add("suffix_long_row", torch.linspace(-1, 1, 20).requires_grad_())
add("suffix_float64_grad", f([0.25, 123.0], dtype=torch.float64, requires_grad=True))
add("suffix_float64_wrap", torch.linspace(-1, 1, 9, dtype=torch.float64, requires_grad=True) * 2)
add("suffix_matrix", (torch.arange(6.0).reshape(2, 3).requires_grad_() + 1).sum(1, keepdim=True))
add("suffix_sum_sci", (torch.arange(2000.0).requires_grad_() * 1e-6).sum())

add("suffix_newline_requires_grad", torch.linspace(-1, 1, 8).requires_grad_())
add("suffix_newline_grad_fn", torch.linspace(-1, 1, 8, requires_grad=True) * 2)
add("suffix_newline_both", torch.linspace(-1, 1, 7, dtype=torch.float64, requires_grad=True) * 2)
add("suffix_newline_wrapped_row", torch.linspace(-1, 1, 15).requires_grad_())
add("suffix_newline_matrix", torch.linspace(-1, 1, 16).reshape(2, 8).requires_grad_())
add("suffix_second_wraps", torch.linspace(-1, 1, 6, dtype=torch.float64, requires_grad=True) * 2)
add("suffix_int64_matrix_sum", torch.arange(3000).reshape(1000, 3))

# bool
add("bool_mixed", f([True, False, True]))
add("bool_all_true", f([True, True]))
add("bool_matrix", torch.zeros(2, 3, dtype=torch.bool))
add("bool_0-d", f(True))
add("bool_empty", torch.zeros(0, dtype=torch.bool))
add("bool_summarised", torch.arange(1200).reshape(3, 400) % 3 == 0)

# float32 values that are not exact decimals
add("float32_rounding", f([0.1, 0.2, 0.3, 1.00005, 2.00015]))
add("float32_int_like_big", f([16777217.0, 3.0]))

with open("format_golden.json", "w") as out:
    # One case per line keeps the file short and its diffs readable.
    out.write("[\n" + ",\n".join(json.dumps(c) for c in cases) + "\n]\n")
print(len(cases), "cases")
