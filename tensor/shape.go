package tensor

import "slices"

// inferShape resolves one -1 in shape for n elements, panicking if it cannot.
func inferShape(op string, from []int, shape []int) []int {
	n := numel(from)
	out := slices.Clone(shape)
	neg := -1
	known := 1
	for i, d := range out {
		switch {
		case d == -1 && neg < 0:
			neg = i
		case d < 0:
			fail(op, "invalid shape %v", shape)
		default:
			known *= d
		}
	}
	if neg >= 0 {
		if known == 0 || n%known != 0 {
			fail(op, "shape %v is invalid for input of shape %v", shape, from)
		}
		out[neg] = n / known
	} else if known != n {
		fail(op, "shape %v is invalid for input of shape %v", shape, from)
	}
	return out
}

// view returns a tensor sharing t's storage with another shape, recorded as name.
func (t *Tensor) view(op, name string, shape []int) *Tensor {
	out := &Tensor{shape: shape, dtype: t.dtype, f32: t.f32, f64: t.f64, i64: t.i64, published: t.published}
	if n := record(name, out, false, t); n != nil {
		in := t.shape
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g.Reshape(in...) } // dt: grad reshaped back
	}
	return out
}

// Reshape returns a tensor with t's elements in the given shape, sharing t's
// storage; one dim may be -1 and is inferred. It panics if the element counts differ.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	s := inferShape("Reshape", t.shape, shape)
	if slices.Equal(s, t.shape) && !t.requiresGrad {
		return t
	}
	return t.view("Reshape", "ReshapeAliasBackward0", s)
}

// View is Reshape under PyTorch's other name (recorded as ViewBackward0).
func (t *Tensor) View(shape ...int) *Tensor {
	return t.view("View", "ViewBackward0", inferShape("View", t.shape, shape))
}

// Flatten returns t as a 1-d tensor sharing its storage (t itself if it is 1-d).
func (t *Tensor) Flatten() *Tensor {
	if len(t.shape) == 1 {
		return t
	}
	return t.Reshape(-1)
}

// Unsqueeze returns t with a dim of size 1 inserted at dim (which may be Dim()).
func (t *Tensor) Unsqueeze(dim int) *Tensor {
	d := dim
	if d < 0 {
		d += len(t.shape) + 1
	}
	if d < 0 || d > len(t.shape) {
		fail("Unsqueeze", "dim %d out of range for shape %v", dim, t.shape)
	}
	shape := slices.Insert(slices.Clone(t.shape), d, 1)
	return t.view("Unsqueeze", "UnsqueezeBackward0", shape)
}

// Squeeze returns t without the given dims, which must have size 1; with no dims,
// without every dim of size 1.
func (t *Tensor) Squeeze(dims ...int) *Tensor {
	name := "SqueezeBackward0"
	var shape []int
	if len(dims) == 0 {
		for _, d := range t.shape {
			if d != 1 {
				shape = append(shape, d)
			}
		}
	} else {
		name = "SqueezeBackward1"
		ds := t.dimSet("Squeeze", dims)
		for i, d := range t.shape {
			if slices.Contains(ds, i) && d == 1 {
				continue
			}
			shape = append(shape, d)
		}
	}
	return t.view("Squeeze", name, shape)
}

// Expand returns t broadcast to shape, as a new tensor (-1 keeps a dim). Its
// gradient sums over the broadcast dims. It panics if t does not broadcast to shape.
func (t *Tensor) Expand(shape ...int) *Tensor {
	shape = slices.Clone(shape)
	lead := len(shape) - len(t.shape)
	if lead < 0 {
		fail("Expand", "cannot expand shape %v to %v", t.shape, shape)
	}
	for i := range t.shape {
		if shape[lead+i] == -1 {
			shape[lead+i] = t.shape[i]
		}
		if t.shape[i] != 1 && t.shape[i] != shape[lead+i] {
			fail("Expand", "cannot expand shape %v to %v", t.shape, shape)
		}
	}
	if slices.Equal(shape, t.shape) && !t.requiresGrad {
		return t
	}
	out := empty(t.dtype, shape)
	if slices.Equal(shape, t.shape) {
		out.Copy_(t)
	} else if numel(shape) > 0 {
		zero := scalarLike(t, 0)
		cs, st := coalesce(shape, broadcastStrides(t.shape, shape), broadcastStrides(nil, shape))
		if t.dtype == Float32 {
			binBroadcast(opAdd, out.f32, t.f32, zero.f32, cs, st[0], st[1])
		} else {
			binBroadcast(opAdd, out.f64, t.f64, zero.f64, cs, st[0], st[1])
		}
	}
	if n := record("ExpandBackward0", out, false, t); n != nil {
		in := t.shape
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g.sumTo(in) } // dt: grad summed over broadcast dims
	}
	return out
}

// Permute returns t with its dims reordered (a copy): dim i of the result is dim
// dims[i] of t. It panics unless dims is a permutation of t's dims.
func (t *Tensor) Permute(dims ...int) *Tensor {
	if len(dims) != len(t.shape) {
		fail("Permute", "dims %v do not match shape %v", dims, t.shape)
	}
	t.dimSet("Permute", dims) // panics on a dim out of range or repeated
	p := make([]int, len(dims))
	for i, d := range dims {
		p[i] = t.normDim("Permute", d)
	}
	out := t.permute(p)
	if n := record("PermuteBackward0", out, false, t); n != nil {
		inv := make([]int, len(p))
		for i, d := range p {
			inv[d] = i
		}
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g.Permute(inv...) } // dt: grad permuted back
	}
	return out
}

// permute copies t with dims reordered by p (not recorded).
func (t *Tensor) permute(p []int) *Tensor {
	shape := make([]int, len(p))
	inStrides := make([]int, len(t.shape))
	s := 1
	for i := len(t.shape) - 1; i >= 0; i-- {
		inStrides[i] = s
		s *= t.shape[i]
	}
	st := make([]int, len(p))
	for i, d := range p {
		shape[i] = t.shape[d]
		st[i] = inStrides[d]
	}
	out := empty(t.dtype, shape)
	if numel(shape) == 0 {
		return out
	}
	cs, cst := coalesce(shape, st)
	inner := cs[len(cs)-1]
	is := cst[0][len(cst[0])-1]
	switch t.dtype {
	case Float32:
		gather(out.f32, t.f32, cs, cst, inner, is)
	case Float64:
		gather(out.f64, t.f64, cs, cst, inner, is)
	case Int64, Bool:
		gather(out.i64, t.i64, cs, cst, inner, is)
	}
	return out
}

func gather[T Element](dst, src []T, shape []int, st [][]int, inner, is int) {
	forEachRow(shape, st, func(o int, offs []int) {
		off := offs[0]
		for i := range inner {
			dst[o+i] = src[off+i*is]
		}
	})
}

// Transpose returns t with dims d0 and d1 swapped (a copy).
func (t *Tensor) Transpose(d0, d1 int) *Tensor {
	a, b := t.normDim("Transpose", d0), t.normDim("Transpose", d1)
	p := make([]int, len(t.shape))
	for i := range p {
		p[i] = i
	}
	p[a], p[b] = b, a
	out := t.permute(p)
	if n := record("TransposeBackward0", out, false, t); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g.Transpose(a, b) } // dt: grad transposed back
	}
	return out
}

// T returns the transpose of a matrix (t itself for fewer than 2 dims). It panics
// for more than 2 dims.
func (t *Tensor) T() *Tensor {
	switch len(t.shape) {
	case 0, 1:
		if !t.requiresGrad {
			return t
		}
		return t.view("T", "TBackward0", t.shape)
	case 2:
		out := t.permute([]int{1, 0})
		if n := record("TBackward0", out, false, t); n != nil {
			n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g.T() } // dt: grad transposed
		}
		return out
	}
	fail("T", "expects a tensor with <= 2 dims, got shape %v", t.shape)
	return nil
}
