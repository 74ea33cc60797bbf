// Chargpt trains a small character-level GPT (token and position embeddings,
// pre-norm causal self-attention blocks, a final LayerNorm, AdamW, gradient
// clipping) on Isaac Newton's Opticks, which every Go installation holds as
// $(go env GOROOT)/src/testdata/Isaac.Newton-Opticks.txt. It reports the
// unigram entropy of the text and the held-out loss, both in bits per
// character, then samples text from a prompt. Training shows a progress bar on
// a terminal, prints a line every EvalEvery steps with the losses, time and
// throughput, and saves the loss curves as a PNG.
//
//	go run ./examples/chargpt [-steps 600] [-prompt "Light is"] [-curve chargpt-loss.png]
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"

	"github.com/gograd/gograd/examples/internal/curve"
	"github.com/gograd/gograd/examples/internal/progress"
	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/optim"
	"github.com/gograd/gograd/tensor"
)

// Config sizes the model and its training.
type Config struct {
	Context, Dim, Heads, Layers int
	Batch, Steps                int
	LR, Clip                    float64
	EvalEvery, EvalBatches      int
	Curve                       string // the loss curves' PNG; "" for none
}

var defaultConfig = Config{Context: 64, Dim: 64, Heads: 4, Layers: 2, Batch: 32, Steps: 600,
	LR: 3e-3, Clip: 1, EvalEvery: 100, EvalBatches: 20}

func main() {
	c := defaultConfig
	flag.IntVar(&c.Steps, "steps", c.Steps, "training steps")
	prompt := flag.String("prompt", "Light is ", "text to continue")
	n := flag.Int("n", 300, "characters to sample")
	path := flag.String("text", filepath.Join(runtime.GOROOT(), "src", "testdata", "Isaac.Newton-Opticks.txt"), "training text")
	flag.StringVar(&c.Curve, "curve", "chargpt-loss.png", "where to save the loss curves as a PNG (empty: do not)")
	flag.Parse()
	text, err := os.ReadFile(*path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chargpt:", err)
		os.Exit(1)
	}
	g := tensor.NewGenerator(0)
	model, v, res, err := train(os.Stdout, text, c, g)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chargpt:", err)
		os.Exit(1)
	}
	fmt.Printf("unigram entropy %.3f bits/char; held-out loss %.3f bits/char\n", res.unigram, res.heldOut)
	fmt.Printf("sample from %q:\n%s\n", *prompt, sample(model, v, *prompt, *n, 0.8, g))
}

// vocab maps the bytes of the text to token ids and back.
type vocab struct {
	ids   [256]int64
	bytes []byte
}

func newVocab(text []byte) *vocab {
	v := &vocab{}
	var seen [256]bool
	for _, b := range text {
		seen[b] = true
	}
	for b := range 256 {
		if seen[b] {
			v.ids[b] = int64(len(v.bytes))
			v.bytes = append(v.bytes, byte(b))
		}
	}
	return v
}

func (v *vocab) encode(s []byte) []int64 {
	out := make([]int64, len(s))
	for i, b := range s {
		out[i] = v.ids[b]
	}
	return out
}

// GPT is a decoder-only transformer over characters.
type GPT struct {
	TokEmb, PosEmb *nn.Embedding
	Blocks         nn.Sequential
	LnF            *nn.LayerNorm
	Head           *nn.Linear
}

func newGPT(vocabSize int, c Config, g *tensor.Generator) *GPT {
	o := nn.WithGenerator(g)
	m := &GPT{
		TokEmb: nn.NewEmbedding(vocabSize, c.Dim, o), PosEmb: nn.NewEmbedding(c.Context, c.Dim, o),
		LnF: nn.NewLayerNorm([]int{c.Dim}), Head: nn.NewLinear(c.Dim, vocabSize, o),
	}
	for range c.Layers {
		b := nn.NewTransformerEncoderLayer(c.Dim, c.Heads, 4*c.Dim, 0, nn.GELU{}, true, o)
		b.Causal = true
		m.Blocks = append(m.Blocks, b)
	}
	// GPT-2's scale for the embeddings: N(0, 0.02²) rather than Embedding's N(0, 1).
	for _, e := range []*nn.Embedding{m.TokEmb, m.PosEmb} {
		g.Normal(e.Weight, 0, 0.02)
	}
	return m
}

// Forward returns the logits (B, T, vocab) for token ids x (B, T).
func (m *GPT) Forward(x *tensor.Tensor) *tensor.Tensor {
	t := x.Size(1)
	pos := make([]int64, t)
	for i := range pos {
		pos[i] = int64(i)
	}
	h := m.TokEmb.Forward(x).Add(m.PosEmb.Forward(tensor.New(pos)))
	return m.Head.Forward(m.LnF.Forward(m.Blocks.Forward(h)))
}

// Parameters returns every parameter.
func (m *GPT) Parameters() []*tensor.Tensor { return nn.Parameters(m) }

// NamedChildren names the parts.
func (m *GPT) NamedChildren() []nn.NamedModule {
	return []nn.NamedModule{{Name: "tok_emb", Module: m.TokEmb}, {Name: "pos_emb", Module: m.PosEmb},
		{Name: "blocks", Module: m.Blocks}, {Name: "ln_f", Module: m.LnF}, {Name: "head", Module: m.Head}}
}

// batch returns b random windows of the data as inputs (b, t) and next-character
// targets (b·t).
func batch(data []int64, b, t int, g *tensor.Generator) (x, y *tensor.Tensor) {
	xs, ys := make([]int64, 0, b*t), make([]int64, 0, b*t)
	for range b {
		i := g.Intn(len(data) - t - 1)
		xs = append(xs, data[i:i+t]...)
		ys = append(ys, data[i+1:i+t+1]...)
	}
	return tensor.New(xs, b, t), tensor.New(ys)
}

func loss(m *GPT, x, y *tensor.Tensor) *tensor.Tensor {
	logits := m.Forward(x)
	return functional.CrossEntropy(logits.Reshape(-1, logits.Size(-1)), y)
}

// result holds the figures of a run, in bits per character.
type result struct {
	unigram, firstLoss, heldOut float64
	train                       []float64 // the training loss of every step
}

// unigramEntropy returns the entropy of the characters' frequencies in data.
func unigramEntropy(data []int64, n int) float64 {
	counts := make([]float64, n)
	for _, t := range data {
		counts[t]++
	}
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := c / float64(len(data))
			h -= p * math.Log2(p)
		}
	}
	return h
}

// train trains a GPT on the first 90 % of text and measures the last 10 %.
func train(out io.Writer, text []byte, c Config, g *tensor.Generator) (*GPT, *vocab, result, error) {
	v := newVocab(text)
	data := v.encode(text)
	split := len(data) * 9 / 10
	trainData, valData := data[:split], data[split:]
	var res result
	res.unigram = unigramEntropy(trainData, len(v.bytes))
	model := newGPT(len(v.bytes), c, g)
	fmt.Fprintf(out, "%d characters, vocabulary %d, %d parameters\n", len(text), len(v.bytes), count(model))
	heldOut := func() float64 {
		eg := tensor.NewGenerator(99) // the same held-out batches every time
		s := 0.0
		tensor.NoGrad(func() {
			for range c.EvalBatches {
				x, y := batch(valData, c.Batch, c.Context, eg)
				s += loss(model, x, y).Item()
			}
		})
		return s / float64(c.EvalBatches) / math.Ln2
	}
	res.firstLoss = heldOut()
	fmt.Fprintf(out, "step 0: held-out %.3f bits/char (unigram entropy %.3f)\n", res.firstLoss, res.unigram)
	curves := curve.New("character-level GPT on Opticks, AdamW", "step", "bits/char")
	curves.Add("held out", 0, res.firstLoss)
	opt := optim.NewAdamW(model.Parameters(), optim.AdamWOptions{LR: c.LR, WeightDecay: 0.01})
	chars := c.Batch * c.Context
	for step := 1; step <= c.Steps; {
		last := min(step+c.EvalEvery-1, c.Steps)
		loop := progress.Start(out, fmt.Sprintf("steps %d-%d/%d", step, last, c.Steps), (last-step+1)*chars, "char")
		for ; step <= last; step++ {
			x, y := batch(trainData, c.Batch, c.Context, g)
			l := loss(model, x, y)
			bits := l.Item() / math.Ln2
			l.Backward()
			if _, err := nn.ClipGradNorm_(model.Parameters(), c.Clip, 2, false); err != nil {
				panic(err) // not reached: errors only with errorIfNonfinite
			}
			opt.Step()
			opt.ZeroGrad()
			loop.Step(bits, chars)
			res.train = append(res.train, bits)
		}
		s, h := loop.Done(), heldOut()
		curves.Add("training (mean since the last point)", float64(last), s.Loss)
		curves.Add("held out", float64(last), h)
		fmt.Fprintf(out, "step %d/%d: train %.3f bits/char, held-out %.3f bits/char, %s\n", last, c.Steps, s.Loss, h, s.Timing())
		res.heldOut = h
	}
	if c.Curve != "" {
		if err := curves.Save(c.Curve); err != nil {
			return model, v, res, err
		}
		fmt.Fprintf(out, "saved the loss curves to %s\n", c.Curve)
	}
	return model, v, res, nil
}

func count(m nn.Module) int {
	n := 0
	for _, p := range m.Parameters() {
		n += p.Numel()
	}
	return n
}

// sample continues prompt by n characters drawn from the model's distribution
// at the given temperature.
func sample(m *GPT, v *vocab, prompt string, n int, temp float64, g *tensor.Generator) string {
	ids := v.encode([]byte(prompt))
	ctx := m.PosEmb.NumEmbeddings
	tensor.NoGrad(func() {
		for range n {
			window := ids[max(0, len(ids)-ctx):]
			logits := m.Forward(tensor.New(slices.Clone(window), 1, len(window)))
			last := logits.Reshape(-1, logits.Size(-1)).Values()
			row := last[len(last)-len(v.bytes):]
			mx := slices.Max(row)
			p := make([]float64, len(row))
			total := 0.0
			for i, z := range row {
				p[i] = math.Exp((z - mx) / temp)
				total += p[i]
			}
			u := g.Uniform(tensor.Float64.Zeros(1), 0, total).Item()
			next := len(p) - 1
			for i, pi := range p {
				if u < pi {
					next = i
					break
				}
				u -= pi
			}
			ids = append(ids, int64(next))
		}
	})
	out := make([]byte, len(ids))
	for i, id := range ids {
		out[i] = v.bytes[id]
	}
	return string(out)
}
