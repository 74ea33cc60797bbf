// Package checkpoint saves and restores a training run: the model's weights,
// the optimizer's and the scheduler's state, the random generator's state and
// the step count, in one file, so that a run resumed from it continues exactly
// (bit for bit) as the uninterrupted run would have.
//
//	ck := checkpoint.State{Model: model, Optimizer: opt, Scheduler: sched, RNG: g, Step: step}
//	err := checkpoint.Save("run.ckpt", ck)
//	...
//	ck := checkpoint.State{Model: model, Optimizer: opt, Scheduler: sched, RNG: g}
//	err := checkpoint.Load("run.ckpt", &ck) // ck.Step is the saved step
//
// # Format
//
// A checkpoint is a torch.save file (see package pt), so PyTorch can read it
// with torch.load, holding a dict:
//
//	"format"     "gograd.checkpoint/1"
//	"model"      the model's state dict (an OrderedDict of tensors)
//	"optimizer"  the optimizer's StateDict, if there is an optimizer
//	"scheduler"  the scheduler's StateDict, if there is a scheduler
//	"rng_state"  the generator's state (tensor.Generator.State), in hex
//	"step"       the step count
//	"extra"      the caller's own values, if any
//
// # Atomicity
//
// Save writes a temporary file beside the checkpoint, fsyncs it, renames it over
// the checkpoint and fsyncs the directory. A crash or kill at any moment leaves
// the previous checkpoint or the new one, whole; a killed Save's temporary file
// (".<name>.tmp-<pid>-<random>") is removed by the next Save to the same path.
package checkpoint

import (
	"encoding/hex"
	"fmt"

	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/pt"
	"github.com/gograd/gograd/tensor"
)

// formatName marks a file as a gograd checkpoint, with its layout's version.
const formatName = "gograd.checkpoint/1"

// Stateful is what optimizers and learning-rate schedulers implement to be
// checkpointed, as their PyTorch counterparts' state_dict and
// load_state_dict. A state dict is a tree whose values are *tensor.Tensor,
// float64, int, bool, string, nil, []int, []float64, []any, map[string]any and
// map[int]map[string]any (an optimizer's per-parameter state, as in PyTorch).
// LoadStateDict gets back the same types, except that an empty map or slice may
// come back as another type's empty value when the Stateful given to Load has
// none of its own to compare with (see Load).
type Stateful interface {
	StateDict() map[string]any
	LoadStateDict(map[string]any) error
}

// State is what a checkpoint holds. Save reads every field; Load restores
// into Model, Optimizer, Scheduler and RNG and sets Step and Extra.
type State struct {
	// Model's parameters are saved by their nn.StateDict names and loaded
	// with nn.LoadStateDict (strict: the same names and shapes).
	Model nn.Module
	// Optimizer and Scheduler, if not nil, are saved and restored through
	// their state dicts. Load returns an error if one is given and the file
	// has none for it; a file's optimizer or scheduler is ignored if State
	// has none to restore it into.
	Optimizer, Scheduler Stateful
	// RNG is the generator whose state is saved and restored; nil means
	// tensor.DefaultGenerator().
	RNG *tensor.Generator
	// Step is the caller's step (or epoch) count.
	Step int
	// Extra holds any other values, of the types Stateful lists.
	Extra map[string]any
}

func (s *State) rng() *tensor.Generator {
	if s.RNG == nil {
		return tensor.DefaultGenerator()
	}
	return s.RNG
}

// Save writes s to path atomically (see the package documentation).
func Save(path string, s State) error {
	if s.Model == nil {
		return fmt.Errorf("checkpoint: Save: State.Model is nil")
	}
	obj := map[string]any{
		"format":    formatName,
		"model":     nn.StateDict(s.Model),
		"rng_state": hex.EncodeToString(s.rng().State()),
		"step":      s.Step,
	}
	if s.Optimizer != nil {
		obj["optimizer"] = s.Optimizer.StateDict()
	}
	if s.Scheduler != nil {
		obj["scheduler"] = s.Scheduler.StateDict()
	}
	if s.Extra != nil {
		obj["extra"] = s.Extra
	}
	if err := pt.SaveObject(path, obj); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// Load reads the checkpoint at path and restores it into s: the model's
// weights, the optimizer's and scheduler's state, the generator's state, and
// s.Step and s.Extra. Where the file holds an empty map or slice whose Go type
// a torch.save file cannot tell (an optimizer's empty "state" map reads as
// map[string]any), Load gives it the type the same entry has in the
// Stateful's current StateDict. On an error, the parts restored before it stay
// restored.
func Load(path string, s *State) error {
	obj, err := pt.LoadObject(path)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	ck, ok := obj.(map[string]any)
	if !ok || ck["format"] != formatName {
		return fmt.Errorf("checkpoint: %s is not a gograd checkpoint (no \"format\": %q entry)", path, formatName)
	}
	step, ok1 := ck["step"].(int)
	rngHex, ok2 := ck["rng_state"].(string)
	rng, err := hex.DecodeString(rngHex)
	if !ok1 || !ok2 || err != nil {
		return fmt.Errorf("checkpoint: %s: bad step or rng_state", path)
	}
	if s.Model != nil {
		sd, err := pt.StateDict(ck["model"])
		if err != nil {
			return fmt.Errorf("checkpoint: model: %w", err)
		}
		if err := nn.LoadStateDict(s.Model, sd); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	for _, part := range []struct {
		name string
		into Stateful
	}{{"optimizer", s.Optimizer}, {"scheduler", s.Scheduler}} {
		if part.into == nil {
			continue
		}
		sd, ok := ck[part.name].(map[string]any)
		if !ok {
			return fmt.Errorf("checkpoint: %s holds no %s state", path, part.name)
		}
		sd = conform(sd, part.into.StateDict()).(map[string]any)
		if err := part.into.LoadStateDict(sd); err != nil {
			return fmt.Errorf("checkpoint: %s: %w", part.name, err)
		}
	}
	if err := s.rng().SetState(rng); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	s.Step = step
	s.Extra = nil
	if extra, ok := ck["extra"].(map[string]any); ok {
		s.Extra = extra
	}
	return nil
}

// conform returns loaded with each empty map or slice given the type that
// template has in the same place (and a map[int]map[string]any given
// map[int]any's type if template has that), walking both trees together.
func conform(loaded, template any) any {
	switch tm := template.(type) {
	case map[string]any:
		lm, ok := loaded.(map[string]any)
		if !ok {
			return loaded
		}
		for k, v := range lm {
			if t, ok := tm[k]; ok {
				lm[k] = conform(v, t)
			}
		}
		return lm
	case map[int]map[string]any:
		switch lm := loaded.(type) {
		case map[string]any:
			if len(lm) == 0 {
				return map[int]map[string]any{}
			}
		case map[int]map[string]any:
			for k, v := range lm {
				if t, ok := tm[k]; ok {
					lm[k] = conform(v, t).(map[string]any)
				}
			}
		}
	case map[int]any:
		switch lm := loaded.(type) {
		case map[string]any:
			if len(lm) == 0 {
				return map[int]any{}
			}
		case map[int]map[string]any:
			out := make(map[int]any, len(lm))
			for k, v := range lm {
				out[k] = v
			}
			return out
		}
	case []any:
		if ls, ok := loaded.([]any); ok {
			for i := range min(len(ls), len(tm)) {
				ls[i] = conform(ls[i], tm[i])
			}
		}
	case []int:
		if ls, ok := loaded.([]any); ok && len(ls) == 0 {
			return []int{}
		}
	case []float64:
		if ls, ok := loaded.([]any); ok && len(ls) == 0 {
			return []float64{}
		}
	}
	return loaded
}
