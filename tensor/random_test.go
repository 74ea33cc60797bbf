package tensor

import (
	"slices"
	"testing"
)

// TestGeneratorState checks that a generator restored from State draws what
// the original draws next, through every kind of draw, and that SetState
// refuses bytes that are not a state.
func TestGeneratorState(t *testing.T) {
	g := NewGenerator(7)
	g.Perm(10)
	g.Normal(Zeros(3), 0, 1)
	state := g.State()
	draw := func(g *Generator) []float64 {
		out := g.Uniform(Zeros(4), 0, 1).Values()
		out = append(out, g.Normal(Float64.Zeros(5), 0, 1).Values()...)
		return append(out, float64(g.Intn(1000)), float64(g.Perm(5)[0]))
	}
	want := draw(g)
	h := NewGenerator(99)
	if err := h.SetState(state); err != nil {
		t.Fatal(err)
	}
	if got := draw(h); !slices.Equal(got, want) {
		t.Errorf("restored generator draws %v, want %v", got, want)
	}
	if err := g.SetState(state); err != nil {
		t.Fatal(err)
	}
	if got := draw(g); !slices.Equal(got, want) {
		t.Errorf("generator rewound to its state draws %v, want %v", got, want)
	}
	before := g.State()
	if err := g.SetState([]byte("not a state")); err == nil {
		t.Error("SetState accepted a bad state")
	}
	if !slices.Equal(g.State(), before) {
		t.Error("a failed SetState changed the generator")
	}
}
