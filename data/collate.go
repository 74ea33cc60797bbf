package data

import (
	"cmp"
	"reflect"
	"slices"

	"github.com/gograd/gograd/tensor"
)

// Collate merges samples into a batch of the same type, stacking each tensor
// along a new first dim, as PyTorch's default_collate does: a batch of
// *tensor.Tensor samples of shape S is one tensor of shape (len(samples), S...);
// a batch of []*tensor.Tensor{x, y} samples is []*tensor.Tensor{X, Y}; arrays,
// maps with string keys and structs (every field exported) of collatable types
// are batched field by field, so a struct{Image, Label *tensor.Tensor} sample
// gives a batch whose Image and Label are stacked. The result shares no memory
// with the samples and does not require grad.
//
// Collate panics with a *tensor.Error if samples is empty, if T holds anything
// but tensors (see CanCollate), or if the tensors to stack differ in shape or
// dtype, or the slices or maps in length or keys.
func Collate[T any](samples []T) T {
	typ := reflect.TypeFor[T]()
	if err := CanCollate(typ); err != nil {
		panic(err)
	}
	if len(samples) == 0 {
		fail("Collate", "no samples to collate")
	}
	vs := make([]reflect.Value, len(samples))
	for i := range samples {
		vs[i] = reflect.ValueOf(&samples[i]).Elem()
	}
	return collate(vs, typ).Interface().(T)
}

var tensorType = reflect.TypeFor[*tensor.Tensor]()

// CanCollate returns nil if Collate can batch samples of type typ, otherwise a
// *tensor.Error saying which part of the type it cannot: the types Collate
// batches are *tensor.Tensor and slices, arrays, maps with string keys and
// structs whose fields are all exported, of types it batches.
func CanCollate(typ reflect.Type) error {
	if path := notCollatable(typ); path != "" {
		return tensor.Errorf("data", "Collate", "cannot batch samples of type %v: %s is not a *tensor.Tensor, or a slice, array, string-keyed map or struct of them; give the Loader a collate function", typ, path)
	}
	return nil
}

// notCollatable returns "" if typ can be collated, or a description of the
// first part of it that cannot.
func notCollatable(typ reflect.Type) string {
	switch {
	case typ == tensorType:
		return ""
	case typ.Kind() == reflect.Slice, typ.Kind() == reflect.Array:
		return notCollatable(typ.Elem())
	case typ.Kind() == reflect.Map && typ.Key().Kind() == reflect.String:
		return notCollatable(typ.Elem())
	case typ.Kind() == reflect.Struct:
		for i := range typ.NumField() {
			f := typ.Field(i)
			if !f.IsExported() {
				return "unexported field " + f.Name
			}
			if p := notCollatable(f.Type); p != "" {
				return p
			}
		}
		return ""
	}
	return typ.String()
}

// collate merges the values vs, all of type typ (which notCollatable accepts).
func collate(vs []reflect.Value, typ reflect.Type) reflect.Value {
	switch typ.Kind() {
	case reflect.Pointer:
		ts := make([]*tensor.Tensor, len(vs))
		for i, v := range vs {
			ts[i] = v.Interface().(*tensor.Tensor)
		}
		return reflect.ValueOf(stack(ts))
	case reflect.Slice, reflect.Array:
		n := vs[0].Len()
		for i, v := range vs {
			if v.Len() != n {
				fail("Collate", "sample %d has %d elements and sample 0 has %d: each sample must have the same length", i, v.Len(), n)
			}
		}
		out := reflect.New(typ).Elem()
		if typ.Kind() == reflect.Slice {
			out = reflect.MakeSlice(typ, n, n)
		}
		for j := range n {
			out.Index(j).Set(collate(column(vs, func(v reflect.Value) reflect.Value { return v.Index(j) }), typ.Elem()))
		}
		return out
	case reflect.Map:
		keys := vs[0].MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return cmp.Compare(a.String(), b.String()) })
		out := reflect.MakeMapWithSize(typ, len(keys))
		for i, v := range vs {
			if v.Len() != len(keys) {
				fail("Collate", "sample %d has %d keys and sample 0 has %d: each sample must have the same keys", i, v.Len(), len(keys))
			}
		}
		for _, k := range keys {
			out.SetMapIndex(k, collate(column(vs, func(v reflect.Value) reflect.Value {
				e := v.MapIndex(k)
				if !e.IsValid() {
					fail("Collate", "a sample has no key %q that sample 0 has", k.String())
				}
				return e
			}), typ.Elem()))
		}
		return out
	default: // struct
		out := reflect.New(typ).Elem()
		for j := range typ.NumField() {
			out.Field(j).Set(collate(column(vs, func(v reflect.Value) reflect.Value { return v.Field(j) }), typ.Field(j).Type))
		}
		return out
	}
}

// column returns part(v) for each v in vs.
func column(vs []reflect.Value, part func(reflect.Value) reflect.Value) []reflect.Value {
	out := make([]reflect.Value, len(vs))
	for i, v := range vs {
		out[i] = part(v)
	}
	return out
}

// stack returns the tensors ts, of one shape and dtype, stacked along a new first
// dim into a new tensor.
func stack(ts []*tensor.Tensor) *tensor.Tensor {
	for i, t := range ts {
		if t == nil {
			fail("Collate", "sample %d holds a nil tensor", i)
		}
		if !slices.Equal(t.Shape(), ts[0].Shape()) || t.DType() != ts[0].DType() {
			fail("Collate", "stack expects each tensor to be equal size and dtype, but got %v %v at entry 0 and %v %v at entry %d",
				ts[0].Shape(), ts[0].DType(), t.Shape(), t.DType(), i)
		}
	}
	shape := append([]int{len(ts)}, ts[0].Shape()...)
	switch ts[0].DType() {
	case tensor.Float32:
		return tensor.FromSlice(concat(ts, (*tensor.Tensor).Float32s), shape...)
	case tensor.Float64:
		return tensor.FromSlice(concat(ts, (*tensor.Tensor).Float64s), shape...)
	default:
		return tensor.FromSlice(concat(ts, (*tensor.Tensor).Int64s), shape...)
	}
}

// concat returns the values of the tensors ts one after the other.
func concat[T tensor.Element](ts []*tensor.Tensor, values func(*tensor.Tensor) []T) []T {
	out := make([]T, 0, len(ts)*ts[0].Numel())
	for _, t := range ts {
		out = append(out, values(t.Contiguous())...)
	}
	return out
}
