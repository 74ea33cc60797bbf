package optim

import (
	"fmt"
	"slices"

	"github.com/gograd/gograd/tensor"
)

// ParamGroup is a list of parameters with the options an optimizer applies to
// them, the counterpart of one entry of PyTorch's optimizer.param_groups.
type ParamGroup[O any] struct {
	// Params are the group's parameters, in order.
	Params []*tensor.Tensor
	// Options are the group's hyperparameters, with PyTorch's defaults filled in.
	Options O
}

// kind describes one optimizer to the code that all optimizers share: how its
// options are defaulted, validated and written into a state dict, and how its
// per-parameter state is laid out there.
type kind[O any] struct {
	name string
	// defaults returns o with its zero fields set to PyTorch's defaults.
	defaults func(o O) O
	// validate panics (through fail, with op) if o is not a valid configuration.
	validate func(op string, o O)
	// lr and momentum return pointers to the learning rate and to the momentum
	// (or β1) of o; momentum is nil for optimizers without one.
	lr, momentum func(o *O) *float64
	// dict writes o's hyperparameters as PyTorch names them; undict reads them
	// back into o, reporting missing or mistyped keys.
	dict   func(o O) map[string]any
	undict func(r *dictReader, o *O)
	layout layout
	// eager, if set, creates a parameter's state when it joins the optimizer
	// (Adagrad does) rather than at its first step.
	eager func(o *O, p *tensor.Tensor, st *paramState)
	// differentiable, if set, reports whether o records its steps; such a
	// group may hold non-leaf parameters, as in PyTorch.
	differentiable func(o O) bool
}

// stepKind is how PyTorch keeps an optimizer's per-parameter step count.
type stepKind int

const (
	noStep     stepKind = iota // SGD keeps none
	tensorStep                 // a 0-d float32 tensor (Adam, Adagrad, ...)
	intStep                    // a Python int (RMSprop, Adadelta, Rprop)
)

// layout names the entries of one parameter's state in a state dict.
type layout struct {
	step stepKind
	// bufs name paramState.buf's slots, which hold tensors shaped like the
	// parameter; a nil slot is left out of the state dict, unless keepNil.
	// The first required of them must be in a loaded state.
	bufs     []string
	keepNil  bool
	required int
	// scalars name paramState.scalar's slots, kept by PyTorch as 0-d float32
	// tensors (so they hold float32 values here too).
	scalars []string
}

// paramState is one parameter's optimizer state.
type paramState struct {
	init   bool // created: at the first step with a gradient, or eagerly
	step   float64
	buf    [3]*tensor.Tensor
	scalar [2]float64
}

// group is one parameter group with its parameters' state.
type group[O any] struct {
	params []*tensor.Tensor
	opts   O
	state  []paramState
	extra  map[string]float64 // entries schedulers keep in the group, such as "initial_lr"
}

// base holds the parameter groups that every optimizer but LBFGS manages the
// same way, and implements the methods they share.
type base[O any] struct {
	kind     *kind[O]
	defaults O
	groups   []group[O]
}

// newBase returns a base with one group, params with opts, for the constructor op.
func newBase[O any](k *kind[O], op string, params []*tensor.Tensor, opts O) base[O] {
	b := base[O]{kind: k}
	b.defaults = b.add(op, params, opts)
	return b
}

// add checks params and opts, appends them as a group and returns the defaulted
// options.
func (b *base[O]) add(op string, params []*tensor.Tensor, opts O) O {
	opts = b.kind.defaults(opts)
	b.kind.validate(op, opts)
	params = checkParams(op, params, b.kind.differentiable != nil && b.kind.differentiable(opts))
	for _, g := range b.groups {
		for _, p := range params {
			if slices.Contains(g.params, p) {
				fail(op, "some parameters appear in more than one parameter group (shape %v)", p.Shape())
			}
		}
	}
	g := group[O]{params: params, opts: opts, state: make([]paramState, len(params))}
	if b.kind.eager != nil {
		for i, p := range params {
			b.kind.eager(&g.opts, p, &g.state[i])
		}
	}
	b.groups = append(b.groups, g)
	return opts
}

// AddParamGroup adds params as a new parameter group with opts, whose zero
// fields take PyTorch's defaults as in the optimizer's constructor (Defaults
// returns the constructor's options, to start a group from). It panics as the
// constructor does, and if a parameter is already in another group.
func (b *base[O]) AddParamGroup(params []*tensor.Tensor, opts O) {
	b.add(b.kind.name+".AddParamGroup", params, opts)
}

// Defaults returns the options the optimizer was constructed with, with
// PyTorch's defaults filled in (PyTorch's optimizer.defaults).
func (b *base[O]) Defaults() O { return b.defaults }

// ParamGroups returns the parameter groups, in order: copies, so changing
// them changes nothing; SetParamGroupOptions and SetLR change a group.
func (b *base[O]) ParamGroups() []ParamGroup[O] {
	out := make([]ParamGroup[O], len(b.groups))
	for i, g := range b.groups {
		out[i] = ParamGroup[O]{Params: slices.Clone(g.params), Options: g.opts}
	}
	return out
}

// SetParamGroupOptions replaces the options of group i (PyTorch's assignments
// to param_groups[i][key]); zero fields take PyTorch's defaults. It panics if i
// is out of range or opts is invalid.
func (b *base[O]) SetParamGroupOptions(i int, opts O) {
	op := b.kind.name + ".SetParamGroupOptions"
	b.checkGroup(op, i)
	opts = b.kind.defaults(opts)
	b.kind.validate(op, opts)
	b.groups[i].opts = opts
}

// NumParamGroups returns the number of parameter groups.
func (b *base[O]) NumParamGroups() int { return len(b.groups) }

// LR returns the learning rate of group i.
func (b *base[O]) LR(i int) float64 {
	b.checkGroup(b.kind.name+".LR", i)
	return *b.kind.lr(&b.groups[i].opts)
}

// SetLR sets the learning rate of group i, as a scheduler does. It panics if i
// is out of range.
func (b *base[O]) SetLR(i int, lr float64) {
	b.checkGroup(b.kind.name+".SetLR", i)
	*b.kind.lr(&b.groups[i].opts) = lr
}

// Momentum returns the momentum of group i (β1 for the Adam family) and whether
// the optimizer has one.
func (b *base[O]) Momentum(i int) (float64, bool) {
	b.checkGroup(b.kind.name+".Momentum", i)
	if b.kind.momentum == nil {
		return 0, false
	}
	return *b.kind.momentum(&b.groups[i].opts), true
}

// HasBetas reports whether the optimizer's momentum is β1 of its betas (the
// Adam family), as PyTorch's schedulers check "betas" in optimizer.defaults.
func (b *base[O]) HasBetas() bool {
	_, ok := b.kind.dict(b.defaults)["betas"]
	return ok
}

// SetMomentum sets the momentum of group i (β1 for the Adam family), as a
// cyclic scheduler does. It panics if i is out of range or the optimizer has
// no momentum.
func (b *base[O]) SetMomentum(i int, m float64) {
	op := b.kind.name + ".SetMomentum"
	b.checkGroup(op, i)
	if b.kind.momentum == nil {
		fail(op, "%s has no momentum", b.kind.name)
	}
	*b.kind.momentum(&b.groups[i].opts) = m
}

// GroupExtra returns the value a scheduler stored under key in group i (such
// as "initial_lr", PyTorch's param_groups[i]["initial_lr"]), and whether there
// is one.
func (b *base[O]) GroupExtra(i int, key string) (float64, bool) {
	b.checkGroup(b.kind.name+".GroupExtra", i)
	v, ok := b.groups[i].extra[key]
	return v, ok
}

// SetGroupExtra stores v under key in group i; StateDict writes it into the
// group's entry, as PyTorch keeps a scheduler's "initial_lr" there. It panics
// if i is out of range or key is one of the optimizer's hyperparameters.
func (b *base[O]) SetGroupExtra(i int, key string, v float64) {
	op := b.kind.name + ".SetGroupExtra"
	b.checkGroup(op, i)
	if _, clash := b.kind.dict(b.groups[i].opts)[key]; clash || key == "params" {
		fail(op, "%q is a hyperparameter of %s, not an extra entry", key, b.kind.name)
	}
	g := &b.groups[i]
	if g.extra == nil {
		g.extra = map[string]float64{}
	}
	g.extra[key] = v
}

func (b *base[O]) checkGroup(op string, i int) {
	if i < 0 || i >= len(b.groups) {
		fail(op, "parameter group %d out of range (%d groups)", i, len(b.groups))
	}
}

// ZeroGrad sets every parameter's gradient to nil.
func (b *base[O]) ZeroGrad() {
	for _, g := range b.groups {
		zeroGrad(g.params)
	}
}

// StateDict returns the optimizer's state in PyTorch's layout: "state" maps the
// index of each parameter (counted across groups, in order) that has state to
// its entries, and "param_groups" lists each group's hyperparameters with
// "params", its parameters' indices. Tensors in it are copies.
func (b *base[O]) StateDict() map[string]any {
	state := map[int]map[string]any{}
	groups := make([]map[string]any, len(b.groups))
	k := 0
	for gi, g := range b.groups {
		ids := make([]int, len(g.params))
		for i := range g.params {
			ids[i] = k
			if st := &g.state[i]; st.init {
				state[k] = b.kind.layout.dict(st)
			}
			k++
		}
		d := b.kind.dict(g.opts)
		for k, v := range g.extra {
			d[k] = v
		}
		d["params"] = ids
		groups[gi] = d
	}
	return map[string]any{"state": state, "param_groups": groups}
}

// LoadStateDict replaces the optimizer's hyperparameters and state with sd's,
// which must come from an optimizer of the same kind with as many groups of
// as many parameters, of the same shapes (PyTorch's load_state_dict). State
// tensors are copied and converted to their parameter's dtype. On error
// nothing changes.
func (b *base[O]) LoadStateDict(sd map[string]any) error {
	name := b.kind.name
	saved, err := paramGroupsOf(sd, len(b.groups))
	if err != nil {
		return fmt.Errorf("optim: %s.LoadStateDict: %w", name, err)
	}
	opts := make([]O, len(b.groups))
	extras := make([]map[string]float64, len(b.groups))
	for gi, d := range saved {
		extras[gi] = extraEntries(d, b.kind.dict(b.groups[gi].opts))
		r := &dictReader{d: d}
		opts[gi] = b.groups[gi].opts
		b.kind.undict(r, &opts[gi])
		if r.err == nil {
			r.err = tensor.Maybe(func() { b.kind.validate(name+".LoadStateDict", opts[gi]) })
		}
		if r.err != nil {
			return fmt.Errorf("optim: %s.LoadStateDict: param_groups[%d]: %w", name, gi, r.err)
		}
	}
	var params []*tensor.Tensor
	for _, g := range b.groups {
		params = append(params, g.params...)
	}
	entries, err := stateOf(sd, saved, b.groupSizes(), params)
	if err != nil {
		return fmt.Errorf("optim: %s.LoadStateDict: %w", name, err)
	}
	states := make([]paramState, len(params))
	k := 0
	for gi, g := range b.groups {
		for _, p := range g.params {
			switch e := entries[k]; {
			case e != nil:
				if err := b.kind.layout.undict(e, p, &states[k]); err != nil {
					return fmt.Errorf("optim: %s.LoadStateDict: state[%d]: %w", name, k, err)
				}
			case b.kind.eager != nil:
				b.kind.eager(&opts[gi], p, &states[k])
			}
			k++
		}
	}
	k = 0
	for gi := range b.groups {
		g := &b.groups[gi]
		g.opts, g.extra = opts[gi], extras[gi]
		copy(g.state, states[k:k+len(g.params)])
		k += len(g.params)
	}
	return nil
}

// extraEntries returns the numbers in a saved group d under keys that are
// neither "params" nor in known (the optimizer's hyperparameters): what
// schedulers keep there, such as "initial_lr". Other unknown entries are
// dropped.
func extraEntries(d, known map[string]any) map[string]float64 {
	var extra map[string]float64
	for k, v := range d {
		if _, ok := known[k]; ok || k == "params" {
			continue
		}
		switch v.(type) {
		case float64, int:
			if extra == nil {
				extra = map[string]float64{}
			}
			extra[k], _ = number(v)
		}
	}
	return extra
}

func (b *base[O]) groupSizes() []int {
	n := make([]int, len(b.groups))
	for i, g := range b.groups {
		n[i] = len(g.params)
	}
	return n
}

// paramGroupsOf returns sd's "param_groups", checking that there are n.
func paramGroupsOf(sd map[string]any, n int) ([]map[string]any, error) {
	var groups []map[string]any
	switch v := sd["param_groups"].(type) {
	case []map[string]any:
		groups = v
	case []any:
		for i, g := range v {
			m, ok := g.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("param_groups[%d] is a %T, not a map", i, g)
			}
			groups = append(groups, m)
		}
	case nil:
		return nil, fmt.Errorf("state dict has no param_groups")
	default:
		return nil, fmt.Errorf("param_groups is a %T", v)
	}
	if len(groups) != n {
		return nil, fmt.Errorf("loaded state dict has %d parameter groups, the optimizer %d", len(groups), n)
	}
	return groups, nil
}

// stateOf returns the state entries of sd for each of params (nil where it has
// none), mapping saved indices to parameters by their position in the saved
// groups' "params" lists, as PyTorch does; sizes are the current groups' sizes.
func stateOf(sd map[string]any, saved []map[string]any, sizes []int, params []*tensor.Tensor) ([]map[string]any, error) {
	pos := map[int]int{} // saved index -> position in params
	k := 0
	for gi, d := range saved {
		ids, err := intList(d["params"])
		if err != nil {
			return nil, fmt.Errorf("param_groups[%d].params: %w", gi, err)
		}
		if len(ids) != sizes[gi] {
			return nil, fmt.Errorf("loaded state dict contains a parameter group (%d) with %d parameters, the optimizer's has %d", gi, len(ids), sizes[gi])
		}
		for _, id := range ids {
			if _, dup := pos[id]; dup {
				return nil, fmt.Errorf("parameter index %d appears twice in param_groups", id)
			}
			pos[id] = k
			k++
		}
	}
	out := make([]map[string]any, len(params))
	var state map[int]map[string]any
	switch v := sd["state"].(type) {
	case map[int]map[string]any:
		state = v
	case map[int]any:
		// As a loader that cannot tell a dict of dicts from another dict
		// gives it.
		state = make(map[int]map[string]any, len(v))
		for id, e := range v {
			m, ok := e.(map[string]any)
			if !ok && e != nil {
				return nil, fmt.Errorf("state[%d] is a %T, not a map", id, e)
			}
			state[id] = m
		}
	case map[string]any:
		// An empty dict, as a loader that cannot tell its key type gives it.
		if len(v) != 0 {
			return nil, fmt.Errorf("state has string keys, not parameter indices")
		}
	case nil:
		return nil, fmt.Errorf("state dict has no state")
	default:
		return nil, fmt.Errorf("state is a %T, not a map[int]map[string]any", v)
	}
	for id, e := range state {
		at, ok := pos[id]
		if !ok {
			return nil, fmt.Errorf("state for parameter index %d, which no group lists", id)
		}
		if e == nil {
			e = map[string]any{}
		}
		out[at] = e
	}
	return out, nil
}

// intList reads a list of indices.
func intList(v any) ([]int, error) {
	switch v := v.(type) {
	case []int:
		return v, nil
	case []any:
		out := make([]int, len(v))
		for i, x := range v {
			n, ok := x.(int)
			if !ok {
				return nil, fmt.Errorf("element %d is a %T, not an int", i, x)
			}
			out[i] = n
		}
		return out, nil
	}
	return nil, fmt.Errorf("a %T, not a list of ints", v)
}

// dict returns st's entries as PyTorch names them.
func (l *layout) dict(st *paramState) map[string]any {
	m := map[string]any{}
	switch l.step {
	case tensorStep:
		m["step"] = tensor.Scalar(st.step)
	case intStep:
		m["step"] = int(st.step)
	}
	for i, name := range l.bufs {
		switch {
		case st.buf[i] != nil:
			m[name] = st.buf[i].Clone()
		case l.keepNil:
			m[name] = nil
		}
	}
	for i, name := range l.scalars {
		m[name] = tensor.Scalar(st.scalar[i])
	}
	return m
}

// undict reads the entries e of parameter p into st, checking every tensor's
// shape against p's.
func (l *layout) undict(e map[string]any, p *tensor.Tensor, st *paramState) error {
	st.init = true
	if l.step != noStep {
		v, ok := e["step"]
		if !ok {
			return fmt.Errorf("no step")
		}
		s, err := number(v)
		if err != nil {
			return fmt.Errorf("step: %w", err)
		}
		if !(s >= 0) || s != float64(int64(s)) {
			return fmt.Errorf("step %v is not a count", s)
		}
		st.step = s
	}
	for i, name := range l.bufs {
		v, ok := e[name]
		if !ok || v == nil {
			if i < l.required {
				return fmt.Errorf("no %s", name)
			}
			continue
		}
		t, ok := v.(*tensor.Tensor)
		if !ok {
			return fmt.Errorf("%s is a %T, not a tensor", name, v)
		}
		if !slices.Equal(t.Shape(), p.Shape()) {
			return fmt.Errorf("%s has shape %v, its parameter %v", name, t.Shape(), p.Shape())
		}
		if !t.DType().IsFloat() {
			return fmt.Errorf("%s has dtype %v", name, t.DType())
		}
		st.buf[i] = tensor.ZerosLike(p).Copy_(t) // Copy_ reads strided sources itself
	}
	for i, name := range l.scalars {
		v, ok := e[name]
		if !ok {
			return fmt.Errorf("no %s", name)
		}
		s, err := number(v)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		st.scalar[i] = float64(float32(s))
	}
	return nil
}

// number reads a scalar kept as a float64, an int or a one-element tensor.
func number(v any) (float64, error) {
	switch v := v.(type) {
	case float64:
		return v, nil
	case int:
		return float64(v), nil
	case *tensor.Tensor:
		if v == nil || v.Numel() != 1 {
			return 0, fmt.Errorf("a tensor of shape %v, not a scalar", shapeOf(v))
		}
		return v.Contiguous().Values()[0], nil
	}
	return 0, fmt.Errorf("a %T, not a number", v)
}

func shapeOf(t *tensor.Tensor) []int {
	if t == nil {
		return nil
	}
	return t.Shape()
}

// dictReader reads hyperparameters from a state dict's group, keeping the
// first error.
type dictReader struct {
	d   map[string]any
	err error
}

func (r *dictReader) get(key string) (any, bool) {
	if r.err != nil {
		return nil, false
	}
	v, ok := r.d[key]
	if !ok {
		r.err = fmt.Errorf("no %q", key)
	}
	return v, ok
}

// float reads a number into dst.
func (r *dictReader) float(key string, dst *float64) {
	if v, ok := r.get(key); ok {
		f, err := number(v)
		if err != nil {
			r.err = fmt.Errorf("%q: %w", key, err)
			return
		}
		*dst = f
	}
}

// int reads an integer into dst.
func (r *dictReader) int(key string, dst *int) {
	var f float64
	r.float(key, &f)
	if r.err == nil {
		if f != float64(int(f)) {
			r.err = fmt.Errorf("%q: %v is not an integer", key, f)
			return
		}
		*dst = int(f)
	}
}

// bool reads a boolean into dst.
func (r *dictReader) bool(key string, dst *bool) {
	if v, ok := r.get(key); ok {
		b, isBool := v.(bool)
		if !isBool {
			r.err = fmt.Errorf("%q is a %T, not a bool", key, v)
			return
		}
		*dst = b
	}
}

// optBool reads a boolean into dst if sd has key (PyTorch before 1.13 wrote
// no "differentiable").
func (r *dictReader) optBool(key string, dst *bool) {
	if _, ok := r.d[key]; ok {
		r.bool(key, dst)
	}
}

// pair reads a list of two numbers into dst.
func (r *dictReader) pair(key string, dst *[2]float64) {
	v, ok := r.get(key)
	if !ok {
		return
	}
	var xs []float64
	switch v := v.(type) {
	case []float64:
		xs = v
	case []any:
		for _, x := range v {
			f, err := number(x)
			if err != nil {
				r.err = fmt.Errorf("%q: %w", key, err)
				return
			}
			xs = append(xs, f)
		}
	}
	if len(xs) != 2 {
		r.err = fmt.Errorf("%q is %v, not a pair of numbers", key, v)
		return
	}
	*dst = [2]float64{xs[0], xs[1]}
}

// each calls f with every parameter that has a gradient, that gradient, the
// options of the parameter's group and the parameter's state, group by group;
// op names the Step for gradient dtype errors.
func (b *base[O]) each(op string, f func(o *O, p, g *tensor.Tensor, st *paramState)) {
	for gi := range b.groups {
		gr := &b.groups[gi]
		for i, p := range gr.params {
			if g := grad(op, p); g != nil {
				f(&gr.opts, p, g, &gr.state[i])
			}
		}
	}
}

// zeros sets st's first n buffers to zero tensors like p.
func (st *paramState) zeros(p *tensor.Tensor, n int) {
	for i := range n {
		st.buf[i] = tensor.ZerosLike(p)
	}
}
