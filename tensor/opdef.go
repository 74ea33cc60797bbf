package tensor

// opDef is an op's entry in the op table, the one place that states, next to the
// op's method, its grad_fn name, what its node saves and its derivative (the
// model is PyTorch's derivatives.yaml). The derivative is a plain function of the
// upstream gradient and the saved values, written with differentiable ops so that
// higher-order gradients work; it captures nothing, so the saved values,
// declared in save, are the only tensors the node keeps, each checked for
// in-place modification when backward unpacks it.
//
// An entry sets grad in an init function beside it: a derivative calls ops whose
// methods refer to the entry, a cycle Go's variable initialisation rejects.
type opDef struct {
	name string      // grad_fn name, as torch 1.13 reports it
	save []saveRule  // what the node keeps for grad
	grad func(b bwd) // sets b.gi[i] for each input i that needs a gradient
}

// saveRule declares one saved value: input value (or the output, for value ==
// output, or extra value k given to recordWith, for value == extra(k)), kept only
// when input forInput needs a gradient (or always, for forInput == always).
type saveRule struct{ value, forInput int }

const (
	output = -1 // saveRule.value: the op's result
	always = -1 // saveRule.forInput: whatever needs a gradient
)

// allExtras is the saveRule.value that saves every extra value given to
// recordWith (a variable number of index tensors); b.extras returns them.
const allExtras = -64

// extra returns the saveRule.value of the k-th extra value given to recordWith:
// a tensor the derivative reads that is neither an input nor the result (an
// index tensor, a mask, a second result).
func extra(k int) int { return -2 - k }

// record makes out the result of the op on inputs, recording a node when the
// inputs are tracked. arg is a number the derivative may read (a scalar operand,
// an exponent, flags).
func (d *opDef) record(out *Tensor, arg float64, inputs ...*Tensor) *Tensor {
	if n := d.node(d.name, out, inputs); n != nil {
		n.arg = arg
		d.saveValues(n, out, nil, inputs)
	}
	return out
}

// recordWith is record for an op whose derivative reads more than a number: aux
// holds its other parameters (dims, shapes, flags; no tensors), extras the
// tensors besides the inputs and the result that the entry's save rules may name
// with extra(k).
func (d *opDef) recordWith(out *Tensor, arg float64, aux any, extras []*Tensor, inputs ...*Tensor) *Tensor {
	return d.recordAs(d.name, out, arg, aux, extras, inputs...)
}

// recordAs is recordWith under another grad_fn name, for an entry that serves
// several ops (Cat and Stack; the view ops).
func (d *opDef) recordAs(name string, out *Tensor, arg float64, aux any, extras []*Tensor, inputs ...*Tensor) *Tensor {
	if n := d.node(name, out, inputs); n != nil {
		n.arg, n.aux = arg, aux
		d.saveValues(n, out, extras, inputs)
	}
	return out
}

// tracked reports whether an op on inputs is recorded, for reverse or forward
// mode: an op that builds its entry's parameters builds them only then.
func tracked(inputs ...*Tensor) bool {
	return recording(inputs...) || dualLevels.Load() != 0 && hasTangent(inputs)
}

// node records the node of out, named name, nil when the op is not recorded.
func (d *opDef) node(name string, out *Tensor, inputs []*Tensor) *Node {
	n := record(name, out, inputs...)
	if n != nil {
		n.def = d
	}
	return n
}

// saveValues saves on n what d's rules declare.
func (d *opDef) saveValues(n *Node, out *Tensor, extras, inputs []*Tensor) {
	for _, r := range d.save {
		if r.forInput != always && !n.needs(r.forInput) {
			continue
		}
		if r.value == allExtras {
			for k, v := range extras {
				if v != nil && !n.hasSaved(extra(k)) {
					n.save(v)
					n.saved[len(n.saved)-1].tag = int8(extra(k))
				}
			}
			continue
		}
		var v *Tensor
		switch {
		case r.value == output:
			v = out
		case r.value < output:
			v = extras[-2-r.value]
		case r.value < len(inputs):
			v = inputs[r.value]
		}
		if v == nil || n.hasSaved(r.value) {
			continue // an optional value the op did not have (or an input), or one saved for another input
		}
		n.save(v)
		n.saved[len(n.saved)-1].tag = int8(r.value)
	}
}

// bwd is what a derivative reads: the upstream gradient g, the node (its saved
// values and argument), and gi, the input gradients it sets. create says that
// the backward pass records itself (CreateGraph): saved values are then unpacked
// as they were saved, so that the formula's ops record; otherwise detached, so
// that they record nothing, whatever the goroutine's grad mode.
type bwd struct {
	n      *Node
	g      *Tensor
	gi     []*Tensor
	create bool
}

// needs reports whether input i needs a gradient.
func (b bwd) needs(i int) bool { return b.n.next[i] != nil }

// arg returns the number the op recorded for its derivative.
func (b bwd) arg() float64 { return b.n.arg }

// aux returns the parameters the op recorded with recordWith.
func (b bwd) aux() any { return b.n.aux }

// in returns saved input i; out the saved output; extra the k-th saved extra
// value. They panic if the op's entry did not declare the value, so a formula
// can read only what its node keeps.
func (b bwd) in(i int) *Tensor    { return b.saved(i) }
func (b bwd) out() *Tensor        { return b.saved(output) }
func (b bwd) extra(k int) *Tensor { return b.saved(extra(k)) }

// has reports whether the node saved value v (an optional extra, or one kept only
// for some inputs).
func (b bwd) has(v int) bool { return b.n.hasSaved(v) }

// hasSaved reports whether n saved value v of its op table entry.
func (n *Node) hasSaved(v int) bool {
	for _, s := range n.saved {
		if int(s.tag) == v {
			return true
		}
	}
	return false
}

// mulIn returns x * saved value v. A pass that records itself multiplies with
// Mul; a plain one runs Mul's kernel on the saved tensor itself, which records
// nothing whatever the tensor requires, so the hottest derivative needs no
// detached alias (BenchmarkOpOverhead's chain: 25 % slower with one).
func (b bwd) mulIn(x *Tensor, v int) *Tensor {
	if !b.create {
		for i := range b.n.saved {
			if s := &b.n.saved[i]; int(s.tag) == v && s.t.dtype == x.dtype {
				return binary("Mul", opMul, x, s.t)
			}
		}
	}
	return x.Mul(b.saved(v))
}

// extras returns the saved extra values, in order (see allExtras).
func (b bwd) extras() []*Tensor {
	var out []*Tensor
	for i := range b.n.saved {
		if s := &b.n.saved[i]; s.tag <= int8(extra(0)) {
			out = append(out, s.unpack(b.create))
		}
	}
	return out
}

func (b bwd) saved(v int) *Tensor {
	for i := range b.n.saved {
		if s := &b.n.saved[i]; int(s.tag) == v {
			return s.unpack(b.create)
		}
	}
	panic("tensor: " + b.n.name + ": derivative reads a value its op table entry does not save")
}
