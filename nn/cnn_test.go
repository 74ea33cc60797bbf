package nn

import (
	"fmt"
	"math"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// CNN is the model of testdata/gen_layers.py's cnn_state, field for field.
type CNN struct {
	Features   Sequential
	Dropout    *Dropout
	Classifier *Linear
}

func newCNN(dt tensor.DType) *CNN {
	o := WithDType(dt)
	return &CNN{
		Features: Sequential{
			NewConv2d(1, 4, 3, WithPadding(1), o), NewBatchNorm2d(4, o), ReLU{}, NewMaxPool2d(2),
			NewConv2d(4, 6, 3, o), NewBatchNorm2d(6, o), ReLU{}, AdaptiveAvgPool2d{[2]int{2, 2}}},
		Dropout:    &Dropout{P: 0.25},
		Classifier: NewLinear(24, 5, o),
	}
}

func (m *CNN) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.Classifier.Forward(m.Dropout.Forward(Flatten{}.Forward(m.Features.Forward(x))))
}
func (m *CNN) Parameters() []*tensor.Tensor { return Parameters(m) }
func (m *CNN) NamedChildren() []NamedModule {
	return []NamedModule{{"features", m.Features}, {"dropout", m.Dropout}, {"classifier", m.Classifier}}
}

type stateJSON map[string]struct {
	Shape []int
	DType string
	Data  []float64
}

func (s stateJSON) tensors() map[string]*tensor.Tensor {
	sd := make(map[string]*tensor.Tensor)
	for k, v := range s {
		t := tensor.New(v.Data).Reshape(v.Shape...)
		if v.DType == "int64" {
			t = t.To(tensor.Int64)
		}
		sd[k] = t
	}
	return sd
}

func within(got, want []float64, rtol, atol float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d values, want %d", len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > atol+rtol*math.Abs(want[i]) {
			return fmt.Errorf("[%d] = %.9g, want %.9g", i, got[i], want[i])
		}
	}
	return nil
}

// TestLoadPyTorchCNN loads the state dict of a PyTorch CNN trained a few steps
// (testdata/cnn_state.json, from gen_layers.py) into the same model built from
// nn's modules, and compares: print(model), the output in evaluation mode, then
// in training mode (dropout off) the output, every parameter's gradient of
// output.sum() and the running statistics and batch counts after the call. In
// float64 and, loading the same file, float32.
func TestLoadPyTorchCNN(t *testing.T) {
	var file struct {
		StateDict stateJSON `json:"state_dict"`
		Print     string
		X, Y      struct {
			Shape []int
			Data  []float64
		}
		YTrain          []float64            `json:"y_train"`
		StateAfterTrain stateJSON            `json:"state_after_train"`
		GradsTrain      map[string][]float64 `json:"grads_train"`
	}
	loadJSON(t, "testdata/cnn_state.json", &file)
	for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
		rtol, atol := 1e-12, 1e-13
		if dt == tensor.Float32 {
			rtol, atol = 1e-4, 1e-5 // float32 through two batch norms: ~20 ulps of the normalised values
		}
		t.Run(dt.String(), func(t *testing.T) {
			m := newCNN(dt)
			if got := Format(m); got != file.Print {
				t.Errorf("Format:\n%s\nwant print(model):\n%s", got, file.Print)
			}
			if err := LoadStateDict(m, file.StateDict.tensors()); err != nil {
				t.Fatal(err)
			}
			x := tensor.New(file.X.Data, file.X.Shape...).To(dt)
			Eval(m)
			if err := within(m.Forward(x).Values(), file.Y.Data, rtol, atol); err != nil {
				t.Errorf("eval output: %v", err)
			}
			Train(m)
			m.Dropout.SetTraining(false)
			y := m.Forward(x)
			if err := within(y.Values(), file.YTrain, rtol, atol); err != nil {
				t.Errorf("train output: %v", err)
			}
			y.Sum().Backward()
			for _, p := range NamedParameters(m) {
				if err := within(p.Tensor.Grad().Values(), file.GradsTrain[p.Name], rtol, 10*atol); err != nil {
					t.Errorf("gradient of %s: %v", p.Name, err)
				}
			}
			sd := StateDict(m)
			for k, v := range file.StateAfterTrain {
				if err := within(sd[k].Values(), v.Data, rtol, atol); err != nil {
					t.Errorf("%s after a training step: %v", k, err)
				}
			}
		})
	}
}
