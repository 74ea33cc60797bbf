package optim

import (
	"fmt"
	"math"
	"slices"

	"github.com/gograd/gograd/tensor"
)

// LBFGSOptions configures LBFGS. A zero field takes PyTorch's default.
type LBFGSOptions struct {
	// LR is the step length (the initial one with a line search); 0 means
	// the default 1.
	LR float64
	// MaxIter is the most iterations per Step; 0 means the default 20.
	MaxIter int
	// MaxEval is the most closure evaluations per Step; 0 means the default
	// MaxIter·5/4.
	MaxEval int
	// ToleranceGrad stops when every gradient element is at most this in
	// magnitude; 0 means the default 1e-7.
	ToleranceGrad float64
	// ToleranceChange stops when the loss or the step changes less; 0 means
	// the default 1e-9.
	ToleranceChange float64
	// HistorySize is the number of updates kept; 0 means the default 100.
	HistorySize int
	// LineSearchFn is "" (a fixed step LR) or "strong_wolfe".
	LineSearchFn string
}

// LBFGS is the limited-memory BFGS quasi-Newton method (torch.optim.LBFGS),
// with an optional strong-Wolfe line search. Like PyTorch's, it holds one
// parameter group and its Step needs a closure that clears the gradients,
// computes the loss, calls Backward and returns the loss: Step evaluates it up
// to MaxEval times. It follows PyTorch 1.13's algorithm step for step; its
// scalars and vectors are float64 whatever the parameters' dtype (PyTorch
// keeps them in the parameters' dtype), so float32 runs round differently.
//
// Its state dict holds PyTorch's entries for parameter 0: "func_evals",
// "n_iter", "d", "t", "old_dirs", "old_stps", "ro", "H_diag",
// "prev_flat_grad", "prev_loss" and "al" (scalars as float64, vectors as
// one-dimensional float64 tensors, which PyTorch's load_state_dict casts to
// the parameters' dtype, so that a gograd run resumes bit for bit).
type LBFGS struct {
	params []*tensor.Tensor
	opts   LBFGSOptions
	extra  map[string]float64
	st     lbfgsState
	flat   []float64 // scratch for the gathered gradient
}

// lbfgsState is LBFGS's state, PyTorch's state[params[0]].
type lbfgsState struct {
	funcEvals, nIter int
	d, prevFlatGrad  []float64
	t                float64
	oldDirs, oldStps [][]float64
	ro               []float64
	hDiag            float64
	prevLoss         float64
	al               []float64
	alSet            []bool
}

// NewLBFGS returns an LBFGS optimizer for params, with PyTorch's defaults for
// the options left zero. It panics if params is invalid (see NewSGD), LR is
// negative, or LineSearchFn is neither "" nor "strong_wolfe".
func NewLBFGS(params []*tensor.Tensor, opts LBFGSOptions) *LBFGS {
	const op = "NewLBFGS"
	opts = lbfgsDefaults(opts)
	validateLBFGS(op, opts)
	return &LBFGS{params: checkParams(op, params, false), opts: opts}
}

func lbfgsDefaults(o LBFGSOptions) LBFGSOptions {
	o.LR = or(o.LR, 1)
	if o.MaxIter == 0 {
		o.MaxIter = 20
	}
	if o.MaxEval == 0 {
		o.MaxEval = o.MaxIter * 5 / 4
	}
	o.ToleranceGrad = or(o.ToleranceGrad, 1e-7)
	o.ToleranceChange = or(o.ToleranceChange, 1e-9)
	if o.HistorySize == 0 {
		o.HistorySize = 100
	}
	return o
}

func validateLBFGS(op string, o LBFGSOptions) {
	checkLR(op, o.LR)
	if o.LineSearchFn != "" && o.LineSearchFn != "strong_wolfe" {
		fail(op, "only 'strong_wolfe' is supported, got line search %q", o.LineSearchFn)
	}
	if o.MaxIter < 1 || o.MaxEval < 1 || o.HistorySize < 1 {
		fail(op, "MaxIter, MaxEval and HistorySize must be positive, got %d, %d, %d", o.MaxIter, o.MaxEval, o.HistorySize)
	}
}

// Options returns the optimizer's options, with PyTorch's defaults filled in.
func (l *LBFGS) Options() LBFGSOptions { return l.opts }

// ZeroGrad sets every parameter's gradient to nil.
func (l *LBFGS) ZeroGrad() { zeroGrad(l.params) }

// NumParamGroups returns 1: LBFGS has one parameter group.
func (l *LBFGS) NumParamGroups() int { return 1 }

// LR returns the learning rate; i must be 0.
func (l *LBFGS) LR(i int) float64 {
	l.checkGroup("LBFGS.LR", i)
	return l.opts.LR
}

// SetLR sets the learning rate; i must be 0.
func (l *LBFGS) SetLR(i int, lr float64) {
	l.checkGroup("LBFGS.SetLR", i)
	l.opts.LR = lr
}

// GroupExtra returns a value a scheduler stored under key; i must be 0.
func (l *LBFGS) GroupExtra(i int, key string) (float64, bool) {
	l.checkGroup("LBFGS.GroupExtra", i)
	v, ok := l.extra[key]
	return v, ok
}

// SetGroupExtra stores v under key; i must be 0.
func (l *LBFGS) SetGroupExtra(i int, key string, v float64) {
	l.checkGroup("LBFGS.SetGroupExtra", i)
	if l.extra == nil {
		l.extra = map[string]float64{}
	}
	l.extra[key] = v
}

func (l *LBFGS) checkGroup(op string, i int) {
	if i != 0 {
		fail(op, "parameter group %d out of range (LBFGS has 1)", i)
	}
}

// Step runs up to MaxIter iterations of L-BFGS, evaluating closure (which must
// clear the gradients, compute the loss, call Backward and return the loss)
// as needed, and returns the loss of its first evaluation. It panics if
// closure returns a tensor that is not a scalar, or a gradient's dtype differs
// from its parameter's.
func (l *LBFGS) Step(closure func() *tensor.Tensor) *tensor.Tensor {
	o, st := &l.opts, &l.st
	origLoss := closure()
	loss := origLoss.Item()
	currentEvals := 1
	st.funcEvals++
	flatGrad := l.gatherFlatGrad(nil)
	if absMax(flatGrad) <= o.ToleranceGrad {
		return origLoss
	}
	nIter := 0
	for nIter < o.MaxIter {
		nIter++
		st.nIter++
		if st.nIter == 1 {
			st.d = scale(nil, flatGrad, -1)
			st.oldDirs, st.oldStps, st.ro = nil, nil, nil
			st.hDiag = 1
		} else {
			l.direction(flatGrad)
		}
		st.prevFlatGrad = append(st.prevFlatGrad[:0], flatGrad...)
		st.prevLoss = loss
		if st.nIter == 1 {
			st.t = min(1., 1./absSum(flatGrad)) * o.LR
		} else {
			st.t = o.LR
		}
		gtd := dot(flatGrad, st.d)
		if gtd > -o.ToleranceChange {
			break
		}
		lsEvals := 0
		var optCond bool
		if o.LineSearchFn != "" {
			x := l.cloneParams()
			obj := func(t float64) (float64, []float64) { return l.directionalEvaluate(closure, x, t, st.d) }
			loss, flatGrad, st.t, lsEvals = strongWolfe(obj, st.t, st.d, loss, flatGrad, gtd, o.ToleranceChange)
			l.addGrad(st.t, st.d)
			optCond = absMax(flatGrad) <= o.ToleranceGrad
		} else {
			l.addGrad(st.t, st.d)
			if nIter != o.MaxIter {
				loss = closure().Item()
				flatGrad = l.gatherFlatGrad(nil)
				optCond = absMax(flatGrad) <= o.ToleranceGrad
				lsEvals = 1
			}
		}
		currentEvals += lsEvals
		st.funcEvals += lsEvals
		if nIter == o.MaxIter || currentEvals >= o.MaxEval || optCond {
			break
		}
		if maxAbsScaled(st.d, st.t) <= o.ToleranceChange {
			break
		}
		if math.Abs(loss-st.prevLoss) < o.ToleranceChange {
			break
		}
	}
	return origLoss
}

// direction computes the new search direction d from the gradient g by the
// two-loop recursion, after adding the last step to the history.
func (l *LBFGS) direction(g []float64) {
	st, hs := &l.st, l.opts.HistorySize
	y := sub(nil, g, st.prevFlatGrad)
	s := scale(nil, st.d, st.t)
	ys := dot(y, s)
	if ys > 1e-10 {
		if len(st.oldDirs) == hs {
			st.oldDirs, st.oldStps, st.ro = st.oldDirs[1:], st.oldStps[1:], st.ro[1:]
		}
		st.oldDirs = append(st.oldDirs, y)
		st.oldStps = append(st.oldStps, s)
		st.ro = append(st.ro, 1./ys)
		st.hDiag = ys / dot(y, y)
	}
	n := len(st.oldDirs)
	if st.al == nil {
		st.al, st.alSet = make([]float64, hs), make([]bool, hs)
	}
	q := scale(nil, g, -1)
	for i := n - 1; i >= 0; i-- {
		st.al[i], st.alSet[i] = dot(st.oldStps[i], q)*st.ro[i], true
		axpy(q, -st.al[i], st.oldDirs[i])
	}
	r := scale(q, q, st.hDiag)
	for i := range n {
		be := dot(st.oldDirs[i], r) * st.ro[i]
		axpy(r, st.al[i]-be, st.oldStps[i])
	}
	st.d = r
}

// directionalEvaluate is PyTorch's _directional_evaluate: the loss and
// gradient at x + t·d, leaving the parameters at x.
func (l *LBFGS) directionalEvaluate(closure func() *tensor.Tensor, x []*tensor.Tensor, t float64, d []float64) (float64, []float64) {
	l.addGrad(t, d)
	loss := closure().Item()
	g := l.gatherFlatGrad(nil)
	tensor.NoGrad(func() {
		for i, p := range l.params {
			p.Copy_(x[i])
		}
	})
	return loss, g
}

// cloneParams returns copies of the parameters.
func (l *LBFGS) cloneParams() []*tensor.Tensor {
	x := make([]*tensor.Tensor, len(l.params))
	for i, p := range l.params {
		x[i] = p.Detach().Clone()
	}
	return x
}

// gatherFlatGrad returns the parameters' gradients, flattened and joined, in
// dst (zeros for a parameter without one).
func (l *LBFGS) gatherFlatGrad(dst []float64) []float64 {
	dst = dst[:0]
	for _, p := range l.params {
		g := grad("LBFGS.Step", p)
		if g == nil {
			dst = append(dst, make([]float64, p.Numel())...)
			continue
		}
		dst = append(dst, g.Contiguous().Values()...)
	}
	return dst
}

// addGrad adds step·update to the parameters (PyTorch's _add_grad), a fused
// multiply-add per element in the parameter's precision.
func (l *LBFGS) addGrad(step float64, update []float64) {
	off := 0
	for _, p := range l.params {
		n := p.Numel()
		u := update[off : off+n]
		if p.DType() == tensor.Float32 {
			ps := p.Float32s()
			for i := range ps {
				ps[i] = fmaC(float32(u[i]), coef[float32](step), ps[i])
			}
		} else {
			ps := p.Float64s()
			for i := range ps {
				ps[i] = math.FMA(u[i], step, ps[i])
			}
		}
		off += n
	}
}

// strongWolfe is PyTorch's _strong_wolfe line search (c1 1e-4, c2 0.9, at
// most 25 evaluations) from the point where the loss is f, the gradient g
// and the directional derivative gtd, along d with initial step t. It returns
// the loss, gradient and step it settles on and the evaluations it made.
func strongWolfe(obj func(t float64) (float64, []float64), t float64, d []float64, f float64, g []float64, gtd, tolChange float64) (float64, []float64, float64, int) {
	const c1, c2, maxLS = 1e-4, 0.9, 25
	dNorm := absMax(d)
	g = slices.Clone(g)
	fNew, gNew := obj(t)
	evals := 1
	gtdNew := dot(gNew, d)
	tPrev, fPrev, gPrev, gtdPrev := 0.0, f, g, gtd
	done := false
	iter := 0
	var br, brF, brGtd []float64
	var brG [][]float64
	for iter < maxLS {
		if fNew > f+c1*t*gtd || iter > 1 && fNew >= fPrev {
			br, brF, brG, brGtd = []float64{tPrev, t}, []float64{fPrev, fNew}, [][]float64{gPrev, slices.Clone(gNew)}, []float64{gtdPrev, gtdNew}
			break
		}
		if math.Abs(gtdNew) <= -c2*gtd {
			br, brF, brG = []float64{t}, []float64{fNew}, [][]float64{gNew}
			done = true
			break
		}
		if gtdNew >= 0 {
			br, brF, brG, brGtd = []float64{tPrev, t}, []float64{fPrev, fNew}, [][]float64{gPrev, slices.Clone(gNew)}, []float64{gtdPrev, gtdNew}
			break
		}
		minStep := t + 0.01*(t-tPrev)
		maxStep := t * 10
		tmp := t
		t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, &[2]float64{minStep, maxStep})
		tPrev, fPrev, gPrev, gtdPrev = tmp, fNew, slices.Clone(gNew), gtdNew
		fNew, gNew = obj(t)
		evals++
		gtdNew = dot(gNew, d)
		iter++
	}
	if iter == maxLS {
		br, brF, brG = []float64{0, t}, []float64{f, fNew}, [][]float64{g, gNew}
	}
	insufProgress := false
	low, high := 0, 1
	if brF[0] > brF[len(brF)-1] {
		low, high = 1, 0
	}
	for !done && iter < maxLS {
		if math.Abs(br[1]-br[0])*dNorm < tolChange {
			break
		}
		t = cubicInterpolate(br[0], brF[0], brGtd[0], br[1], brF[1], brGtd[1], nil)
		hi, lo := max(br[0], br[1]), min(br[0], br[1])
		eps := 0.1 * (hi - lo)
		if min(hi-t, t-lo) < eps {
			if insufProgress || t >= hi || t <= lo {
				if math.Abs(t-hi) < math.Abs(t-lo) {
					t = hi - eps
				} else {
					t = lo + eps
				}
				insufProgress = false
			} else {
				insufProgress = true
			}
		} else {
			insufProgress = false
		}
		fNew, gNew = obj(t)
		evals++
		gtdNew = dot(gNew, d)
		iter++
		if fNew > f+c1*t*gtd || fNew >= brF[low] {
			br[high], brF[high], brG[high], brGtd[high] = t, fNew, slices.Clone(gNew), gtdNew
			if brF[0] <= brF[1] {
				low, high = 0, 1
			} else {
				low, high = 1, 0
			}
		} else {
			if math.Abs(gtdNew) <= -c2*gtd {
				done = true
			} else if gtdNew*(br[high]-br[low]) >= 0 {
				br[high], brF[high], brG[high], brGtd[high] = br[low], brF[low], brG[low], brGtd[low]
			}
			br[low], brF[low], brG[low], brGtd[low] = t, fNew, slices.Clone(gNew), gtdNew
		}
	}
	return brF[low], brG[low], br[low], evals
}

// cubicInterpolate is PyTorch's _cubic_interpolate: the minimum of the cubic
// through (x1, f1) and (x2, f2) with slopes g1 and g2, within bounds (the
// interval between x1 and x2 when nil).
func cubicInterpolate(x1, f1, g1, x2, f2, g2 float64, bounds *[2]float64) float64 {
	var lo, hi float64
	switch {
	case bounds != nil:
		lo, hi = bounds[0], bounds[1]
	case x1 <= x2:
		lo, hi = x1, x2
	default:
		lo, hi = x2, x1
	}
	d1 := g1 + g2 - 3*(f1-f2)/(x1-x2)
	d2sq := d1*d1 - g1*g2
	if d2sq >= 0 {
		d2 := math.Sqrt(d2sq)
		var minPos float64
		if x1 <= x2 {
			minPos = x2 - (x2-x1)*((g2+d2-d1)/(g2-g1+2*d2))
		} else {
			minPos = x1 - (x1-x2)*((g1+d2-d1)/(g1-g2+2*d2))
		}
		return min(max(minPos, lo), hi)
	}
	return (lo + hi) / 2.
}

// dot returns a·b, summed in order. (A fused multiply-add per element, as
// OpenBLAS's ddot tail loop might compile, matches PyTorch's iterates less
// well: TestLBFGSGolden diverges at the first Step's third evaluation.)
func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// scale returns dst = c·a, allocating dst when nil.
func scale(dst, a []float64, c float64) []float64 {
	if dst == nil {
		dst = make([]float64, len(a))
	}
	for i := range a {
		dst[i] = a[i] * c
	}
	return dst
}

// sub returns dst = a - b, allocating dst when nil.
func sub(dst, a, b []float64) []float64 {
	if dst == nil {
		dst = make([]float64, len(a))
	}
	for i := range a {
		dst[i] = a[i] - b[i]
	}
	return dst
}

// axpy sets y = y + alpha·x, fused as torch's add_(x, alpha=alpha).
func axpy(y []float64, alpha float64, x []float64) {
	for i := range y {
		y[i] = math.FMA(x[i], alpha, y[i])
	}
}

func absMax(a []float64) float64 {
	m := 0.0
	for _, v := range a {
		m = max(m, math.Abs(v))
	}
	return m
}

// maxAbsScaled returns max |a[i]·c|, rounding each product as d.mul(t) does.
func maxAbsScaled(a []float64, c float64) float64 {
	m := 0.0
	for _, v := range a {
		m = max(m, math.Abs(v*c))
	}
	return m
}

func absSum(a []float64) float64 {
	s := 0.0
	for _, v := range a {
		s += math.Abs(v)
	}
	return s
}

// StateDict returns the state in PyTorch's layout: {"state": {0: entries}
// once a step has run, "param_groups": [options and "params"]}.
func (l *LBFGS) StateDict() map[string]any {
	g := lbfgsGroup(l.opts)
	for k, v := range l.extra {
		g[k] = v
	}
	ids := make([]int, len(l.params))
	for i := range ids {
		ids[i] = i
	}
	g["params"] = ids
	state := map[int]map[string]any{}
	if st := &l.st; st.funcEvals > 0 {
		vec := func(v []float64) any {
			if v == nil {
				return nil
			}
			return tensor.New(v)
		}
		vecs := func(vs [][]float64) []any {
			out := make([]any, len(vs))
			for i, v := range vs {
				out[i] = vec(v)
			}
			return out
		}
		e := map[string]any{"func_evals": st.funcEvals, "n_iter": st.nIter}
		if st.d != nil {
			var al any
			if st.al != nil {
				list := make([]any, len(st.al))
				for i, v := range st.al {
					if st.alSet[i] {
						list[i] = v
					}
				}
				al = list
			}
			e["d"], e["t"], e["old_dirs"], e["old_stps"] = vec(st.d), st.t, vecs(st.oldDirs), vecs(st.oldStps)
			e["ro"], e["H_diag"], e["prev_flat_grad"], e["prev_loss"] = floatList(st.ro), st.hDiag, vec(st.prevFlatGrad), st.prevLoss
			if al != nil {
				e["al"] = al
			}
		}
		state[0] = e
	}
	return map[string]any{"state": state, "param_groups": []map[string]any{g}}
}

// lbfgsGroup returns o as a state dict's parameter group, without "params".
func lbfgsGroup(o LBFGSOptions) map[string]any {
	var ls any
	if o.LineSearchFn != "" {
		ls = o.LineSearchFn
	}
	return map[string]any{"lr": o.LR, "max_iter": o.MaxIter, "max_eval": o.MaxEval,
		"tolerance_grad": o.ToleranceGrad, "tolerance_change": o.ToleranceChange,
		"history_size": o.HistorySize, "line_search_fn": ls}
}

func floatList(v []float64) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = x
	}
	return out
}

// LoadStateDict replaces the options and state with sd's, checking that it
// has one group of as many parameters and vectors of the right length. On
// error nothing changes.
func (l *LBFGS) LoadStateDict(sd map[string]any) error {
	wrap := func(err error) error { return fmt.Errorf("optim: LBFGS.LoadStateDict: %w", err) }
	groups, err := paramGroupsOf(sd, 1)
	if err != nil {
		return wrap(err)
	}
	d := groups[0]
	o := l.opts
	r := &dictReader{d: d}
	r.float("lr", &o.LR)
	r.int("max_iter", &o.MaxIter)
	r.int("max_eval", &o.MaxEval)
	r.float("tolerance_grad", &o.ToleranceGrad)
	r.float("tolerance_change", &o.ToleranceChange)
	r.int("history_size", &o.HistorySize)
	if v, ok := r.get("line_search_fn"); ok {
		switch v := v.(type) {
		case nil:
			o.LineSearchFn = ""
		case string:
			o.LineSearchFn = v
		default:
			r.err = fmt.Errorf("line_search_fn is a %T", v)
		}
	}
	if r.err == nil {
		r.err = tensor.Maybe(func() { validateLBFGS("LBFGS.LoadStateDict", o) })
	}
	if r.err != nil {
		return wrap(fmt.Errorf("param_groups[0]: %w", r.err))
	}
	n := 0
	for _, p := range l.params {
		n += p.Numel()
	}
	entries, err := stateOf(sd, groups, []int{len(l.params)}, l.params)
	if err != nil {
		return wrap(err)
	}
	var st lbfgsState
	if e := entries[0]; e != nil {
		if err := st.load(e, n, o.HistorySize); err != nil {
			return wrap(fmt.Errorf("state[0]: %w", err))
		}
	}
	for i := 1; i < len(entries); i++ {
		if entries[i] != nil && len(entries[i]) > 0 {
			return wrap(fmt.Errorf("state for parameter %d: LBFGS keeps its state under parameter 0", i))
		}
	}
	l.opts, l.st, l.extra = o, st, extraEntries(d, lbfgsGroup(o))
	return nil
}

// load reads PyTorch's LBFGS state entries, with vectors of n elements.
func (st *lbfgsState) load(e map[string]any, n, historySize int) error {
	r := &dictReader{d: e}
	r.int("func_evals", &st.funcEvals)
	r.int("n_iter", &st.nIter)
	if r.err != nil {
		return r.err
	}
	if _, ok := e["d"]; !ok {
		return nil // the first evaluation found a minimum: no iteration ran
	}
	vec := func(key string, v any) ([]float64, error) {
		t, ok := v.(*tensor.Tensor)
		if !ok || t == nil {
			return nil, fmt.Errorf("%s is a %T, not a tensor", key, v)
		}
		if t.Numel() != n || !t.DType().IsFloat() {
			return nil, fmt.Errorf("%s has shape %v (%v), want %d elements", key, t.Shape(), t.DType(), n)
		}
		return t.Contiguous().Values(), nil
	}
	vecs := func(key string) ([][]float64, error) {
		list, ok := e[key].([]any)
		if !ok {
			return nil, fmt.Errorf("%s is a %T, not a list", key, e[key])
		}
		out := make([][]float64, len(list))
		for i, v := range list {
			var err error
			if out[i], err = vec(key, v); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	var err error
	if st.d, err = vec("d", e["d"]); err != nil {
		return err
	}
	if st.prevFlatGrad, err = vec("prev_flat_grad", e["prev_flat_grad"]); err != nil {
		return err
	}
	if st.oldDirs, err = vecs("old_dirs"); err != nil {
		return err
	}
	if st.oldStps, err = vecs("old_stps"); err != nil {
		return err
	}
	ro, ok := e["ro"].([]any)
	if !ok || len(ro) != len(st.oldDirs) || len(st.oldStps) != len(st.oldDirs) || len(ro) > historySize {
		return fmt.Errorf("old_dirs, old_stps and ro have %d, %d and %v entries", len(st.oldDirs), len(st.oldStps), e["ro"])
	}
	for _, v := range ro {
		x, err := number(v)
		if err != nil {
			return fmt.Errorf("ro: %w", err)
		}
		st.ro = append(st.ro, x)
	}
	r.float("t", &st.t)
	r.float("H_diag", &st.hDiag)
	r.float("prev_loss", &st.prevLoss)
	if r.err != nil {
		return r.err
	}
	if v, ok := e["al"]; ok && v != nil {
		list, ok := v.([]any)
		if !ok || len(list) != historySize {
			return fmt.Errorf("al is %T of length %d, want %d entries", v, len(list), historySize)
		}
		st.al, st.alSet = make([]float64, historySize), make([]bool, historySize)
		for i, x := range list {
			if x == nil {
				continue
			}
			if st.al[i], err = number(x); err != nil {
				return fmt.Errorf("al: %w", err)
			}
			st.alSet[i] = true
		}
	}
	return nil
}
