package tensor

// DType is a tensor's element type.
type DType uint8

// The element types. Float32 is the default, as in PyTorch. Int64 holds indices
// (class targets, gather and scatter indices) and supports integer arithmetic,
// with PyTorch's results (see the package doc).
// Bool holds the results of comparisons and masks; mixed dtypes promote as in
// PyTorch (see ResultType).
const (
	Float32 DType = iota
	Float64
	Int64
	Bool
)

// String returns the dtype's name: "float32", "float64", "int64" or "bool".
func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	case Int64:
		return "int64"
	case Bool:
		return "bool"
	}
	return "invalid"
}

// IsFloat reports whether d is a floating-point type.
func (d DType) IsFloat() bool { return d == Float32 || d == Float64 }

// Element is the set of Go types a tensor can hold.
type Element interface{ float32 | float64 | int64 }

// Float is the set of Go float types a tensor can hold.
type Float interface{ float32 | float64 }

func dtypeOf[T Element]() DType {
	var z T
	switch any(z).(type) {
	case float32:
		return Float32
	case float64:
		return Float64
	}
	return Int64
}
