package nn

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/gograd/gograd/tensor"
)

// state returns m's parameters and buffers by their dotted names, in the order
// PyTorch's state_dict lists them.
func state(m Module) []NamedParameter {
	var out []NamedParameter
	seen := make(map[*tensor.Tensor]bool)
	for _, nm := range NamedModules(m) {
		for _, p := range localParameters(nm.Module) {
			if !seen[p.Tensor] {
				seen[p.Tensor] = true
				out = append(out, NamedParameter{join(nm.Name, p.Name), p.Tensor})
			}
		}
		if b, ok := nm.Module.(Bufferer); ok {
			for _, p := range b.NamedBuffers() {
				out = append(out, NamedParameter{join(nm.Name, p.Name), p.Tensor})
			}
		}
	}
	return out
}

// StateDict returns m's parameters and buffers by their dotted names, which are
// the keys of PyTorch's state_dict ("0.weight", "features.1.running_mean",
// "bn1.num_batches_tracked"). The values are the tensors themselves, not copies.
// With safetensors.Save it is the counterpart of torch.save(model.state_dict(),
// path).
func StateDict(m Module) map[string]*tensor.Tensor {
	nonNilModule("StateDict", m)
	named := state(m)
	sd := make(map[string]*tensor.Tensor, len(named))
	for _, p := range named {
		sd[p.Name] = p.Tensor
	}
	return sd
}

// LoadStateDict copies the tensors of sd into m's parameters and buffers of the
// same names, converting dtype if needed, as model.load_state_dict(sd) does in
// PyTorch (strict). It returns an error, and leaves m unchanged, if a parameter or
// buffer has no tensor in sd, a tensor in sd names none, or shapes differ. It
// panics with a *tensor.Error of kind tensor.ErrNil if m is nil: that is a
// caller's mistake, not a bad file.
func LoadStateDict(m Module, sd map[string]*tensor.Tensor) error {
	nonNilModule("LoadStateDict", m)
	named := state(m)
	var missing, problems []string
	seen := make(map[string]bool, len(named))
	for _, p := range named {
		seen[p.Name] = true
		src, ok := sd[p.Name]
		switch {
		case !ok:
			missing = append(missing, fmt.Sprintf("%q", p.Name))
		case src == nil:
			problems = append(problems, fmt.Sprintf("%s is nil", p.Name))
		case !slices.Equal(src.Shape(), p.Tensor.Shape()):
			problems = append(problems, fmt.Sprintf("size mismatch for %s: copying a param with shape %v from checkpoint, the shape in current model is %v",
				p.Name, src.Shape(), p.Tensor.Shape()))
		}
	}
	var unexpected []string
	for name := range sd {
		if !seen[name] {
			unexpected = append(unexpected, fmt.Sprintf("%q", name))
		}
	}
	sort.Strings(unexpected)
	if len(missing) > 0 {
		problems = append(problems, "Missing key(s) in state_dict: "+strings.Join(missing, ", ")+".")
	}
	if len(unexpected) > 0 {
		problems = append(problems, "Unexpected key(s) in state_dict: "+strings.Join(unexpected, ", ")+".")
	}
	if len(problems) > 0 {
		return fmt.Errorf("nn: LoadStateDict: error(s) in loading state_dict: %s", strings.Join(problems, "; "))
	}
	tensor.NoGrad(func() {
		for _, p := range named {
			p.Tensor.Copy_(sd[p.Name].Contiguous())
		}
	})
	return nil
}
