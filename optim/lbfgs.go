package optim

import (
	"fmt"
	"math"

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
// to MaxEval times. It follows PyTorch 1.13's algorithm step for step, each
// value computed in the type it has in PyTorch (tensors of the parameters'
// dtype, 0-d or not, and Python floats; see lbfgsmath.go), so that its
// iterates are PyTorch's, in float32 as in float64.
//
// Its state dict holds PyTorch's entries for parameter 0: "func_evals",
// "n_iter", "d", "t", "old_dirs", "old_stps", "ro", "H_diag",
// "prev_flat_grad", "prev_loss" and "al". Vectors are one-dimensional
// tensors, float32 on float32 parameters and float64 otherwise; on float32
// parameters the scalars that are 0-d tensors in PyTorch (ro and al always,
// t and H_diag once computed from a tensor) are float32 0-d tensors, other
// scalars float64, so that a run resumes bit for bit.
type LBFGS struct {
	params []*tensor.Tensor
	opts   LBFGSOptions
	extra  map[string]float64
	st     lbfgsState
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
	// tTen and hDiagTen say that t and H_diag are float32 0-d tensors in
	// PyTorch's float32 run (see lbfgs32.go), not Python floats.
	tTen, hDiagTen bool
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
// from its parameter's. It is lbfgs.py's step line by line (see
// lbfgsmath.go).
func (l *LBFGS) Step(closure func() *tensor.Tensor) *tensor.Tensor {
	o, st, k := &l.opts, &l.st, l.kernel()
	tolGrad, tolChange := pyf(o.ToleranceGrad), pyf(o.ToleranceChange)
	origLoss := closure()
	loss := origLoss.Item()
	currentEvals := 1
	st.funcEvals++
	flatGrad := l.gatherFlatGrad()
	if le(k.absMax(flatGrad), tolGrad) {
		return origLoss
	}
	t := num{st.t, st.tTen, k.f32}
	hDiag := num{st.hDiag, st.hDiagTen, k.f32}
	nIter := 0
	for nIter < o.MaxIter {
		nIter++
		st.nIter++
		if st.nIter == 1 {
			st.d = k.scale(flatGrad, pyf(-1))
			st.oldDirs, st.oldStps, st.ro = nil, nil, nil
			hDiag = pyf(1)
		} else {
			hDiag = l.direction(k, flatGrad, t, hDiag)
		}
		st.prevFlatGrad = append(st.prevFlatGrad[:0], flatGrad...)
		st.prevLoss = loss
		if st.nIter == 1 {
			t = mul(pyMin(pyf(1), div(pyf(1), k.absSum(flatGrad))), pyf(o.LR))
		} else {
			t = pyf(o.LR)
		}
		gtd := k.dot(flatGrad, st.d)
		if lt(tolChange.neg(), gtd) {
			break
		}
		lsEvals := 0
		optCond := false
		if o.LineSearchFn != "" {
			x := l.cloneParams()
			obj := func(t num) (float64, []float64) { return l.directionalEvaluate(closure, x, t, st.d) }
			loss, flatGrad, t, lsEvals = k.strongWolfe(obj, t, st.d, loss, flatGrad, gtd, tolChange)
			l.addGrad(t, st.d)
			optCond = le(k.absMax(flatGrad), tolGrad)
		} else {
			l.addGrad(t, st.d)
			if nIter != o.MaxIter {
				loss = closure().Item()
				flatGrad = l.gatherFlatGrad()
				optCond = le(k.absMax(flatGrad), tolGrad)
				lsEvals = 1
			}
		}
		currentEvals += lsEvals
		st.funcEvals += lsEvals
		if nIter == o.MaxIter || currentEvals >= o.MaxEval || optCond {
			break
		}
		if le(k.absMax(k.scale(st.d, t)), tolChange) {
			break
		}
		if math.Abs(loss-st.prevLoss) < o.ToleranceChange {
			break
		}
	}
	st.t, st.tTen = t.v, t.ten
	st.hDiag, st.hDiagTen = hDiag.v, hDiag.ten
	return origLoss
}

// direction computes the new search direction d from the gradient g by the
// two-loop recursion, after adding the last step (t along the old d) to the
// history, and returns the new H_diag.
func (l *LBFGS) direction(k kernel, g []float64, t, hDiag num) num {
	st, hs := &l.st, l.opts.HistorySize
	y := k.sub(g, st.prevFlatGrad)
	s := k.scale(st.d, t)
	ys := k.dot(y, s)
	if lt(pyf(1e-10), ys) {
		if len(st.oldDirs) == hs {
			st.oldDirs, st.oldStps, st.ro = st.oldDirs[1:], st.oldStps[1:], st.ro[1:]
		}
		st.oldDirs = append(st.oldDirs, y)
		st.oldStps = append(st.oldStps, s)
		st.ro = append(st.ro, div(pyf(1), ys).v)
		hDiag = div(ys, k.dot(y, y))
	}
	n := len(st.oldDirs)
	if st.al == nil {
		st.al, st.alSet = make([]float64, hs), make([]bool, hs)
	}
	q := k.scale(g, pyf(-1))
	for i := n - 1; i >= 0; i-- {
		st.al[i], st.alSet[i] = mul(k.dot(st.oldStps[i], q), k.ten(st.ro[i])).v, true
		k.axpy(q, k.ten(-st.al[i]), st.oldDirs[i])
	}
	r := k.scale(q, hDiag)
	for i := range n {
		be := mul(k.dot(st.oldDirs[i], r), k.ten(st.ro[i]))
		k.axpy(r, sub(k.ten(st.al[i]), be), st.oldStps[i])
	}
	st.d = r
	return hDiag
}

// directionalEvaluate is PyTorch's _directional_evaluate: the loss and
// gradient at x + t·d, leaving the parameters at x.
func (l *LBFGS) directionalEvaluate(closure func() *tensor.Tensor, x []*tensor.Tensor, t num, d []float64) (float64, []float64) {
	l.addGrad(t, d)
	loss := closure().Item()
	g := l.gatherFlatGrad()
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

// gatherFlatGrad returns the parameters' gradients, flattened and joined
// (zeros for a parameter without one).
func (l *LBFGS) gatherFlatGrad() []float64 {
	var dst []float64
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
	f32 := l.kernel().f32
	// scalar writes a scalar as PyTorch holds it: a 0-d float32 tensor when
	// it is one in a float32 run (always for ro and al), else a float.
	scalar := func(v float64, ten bool) any {
		if f32 && ten {
			return tensor.Float32.Scalar(v)
		}
		return v
	}
	if st := &l.st; st.funcEvals > 0 {
		vec := func(v []float64) any {
			if v == nil {
				return nil
			}
			if f32 {
				return tensor.New(v).To(tensor.Float32)
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
						list[i] = scalar(v, true)
					}
				}
				al = list
			}
			ro := make([]any, len(st.ro))
			for i, v := range st.ro {
				ro[i] = scalar(v, true)
			}
			e["d"], e["t"], e["old_dirs"], e["old_stps"] = vec(st.d), scalar(st.t, st.tTen), vecs(st.oldDirs), vecs(st.oldStps)
			e["ro"], e["H_diag"], e["prev_flat_grad"], e["prev_loss"] = ro, scalar(st.hDiag, st.hDiagTen), vec(st.prevFlatGrad), st.prevLoss
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
	_, st.tTen = e["t"].(*tensor.Tensor)
	_, st.hDiagTen = e["H_diag"].(*tensor.Tensor)
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
