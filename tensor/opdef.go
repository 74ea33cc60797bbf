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
// output), kept only when input forInput needs a gradient (or always, for
// forInput == always).
type saveRule struct{ value, forInput int }

const (
	output = -1 // saveRule.value: the op's result
	always = -1 // saveRule.forInput: whatever needs a gradient
)

// record makes out the result of the op on inputs, recording a node when the
// inputs are tracked. arg is a number the derivative may read (a scalar operand,
// an exponent, flags).
func (d *opDef) record(out *Tensor, arg float64, inputs ...*Tensor) *Tensor {
	n := record(d.name, out, false, inputs...)
	if n == nil {
		return out
	}
	n.def, n.arg = d, arg
	for _, r := range d.save {
		if r.forInput != always && !n.needs(r.forInput) {
			continue
		}
		v := out
		if r.value != output {
			v = inputs[r.value]
		}
		n.save(v)
		n.saved[len(n.saved)-1].tag = int8(r.value)
	}
	return out
}

// bwd is what a derivative reads: the upstream gradient g, the node (its saved
// values and argument), and gi, the input gradients it sets.
type bwd struct {
	n  *Node
	g  *Tensor
	gi []*Tensor
}

// needs reports whether input i needs a gradient.
func (b bwd) needs(i int) bool { return b.n.next[i] != nil }

// arg returns the number the op recorded for its derivative.
func (b bwd) arg() float64 { return b.n.arg }

// in returns saved input i; out the saved output. They panic if the op's entry did
// not declare the value, so a formula can read only what its node keeps.
func (b bwd) in(i int) *Tensor { return b.saved(i) }
func (b bwd) out() *Tensor     { return b.saved(output) }

func (b bwd) saved(v int) *Tensor {
	for _, s := range b.n.saved {
		if int(s.tag) == v {
			return s.t
		}
	}
	panic("tensor: " + b.n.name + ": derivative reads a value its op table entry does not save")
}
