package tensor

import (
	"math"
	"strconv"
	"strings"
)

// The print options of PyTorch's torch/_tensor_str.py at their defaults. String
// reproduces torch 1.13's repr with these; there is no set_printoptions.
const (
	printPrecision = 4    // digits after the point, in fixed and scientific notation
	printThreshold = 1000 // tensors with more elements are summarised
	printEdgeItems = 3    // elements kept at each end of a summarised dimension
	printLineWidth = 80   // rows wrap at this many characters
	printPrefix    = "tensor("
)

// String returns the tensor as PyTorch 1.13 prints it with the default print
// options, so that fmt.Println(t) shows what print(t) shows in Python:
//
//	tensor([[ 0.0000,  0.5000],
//	        [-1.2500,  3.0000]], grad_fn=<AddBackward0>)
//
// Float values share one notation and width: integers as "3." when every finite
// value is integral, scientific ("1.0000e-05") when the largest nonzero finite
// magnitude exceeds 1e8 or is more than 1000 times the smallest (or, for
// non-integral values, the smallest is below 1e-4), four decimals otherwise.
// Rows wrap at 80 characters. A tensor of more than 1000 elements shows only the
// first and last three entries of each dimension longer than six, with "..."
// between them. Bool tensors print True and False. Suffixes name a dtype other
// than float32, int64 and bool (and any dtype
// of an empty tensor), the shape of an empty tensor that is not 1-d, and grad_fn
// or requires_grad=True.
//
// Special cases: NaN and infinities print as nan, inf and -inf; negative zero
// keeps its sign.
func (t *Tensor) String() string {
	var suffixes []string
	var body string
	if t.Numel() == 0 {
		body = "[]"
		if len(t.shape) != 1 {
			suffixes = append(suffixes, "size="+shapeTuple(t.shape))
		}
		if t.dtype != Float32 {
			suffixes = append(suffixes, "dtype=torch."+t.dtype.String())
		}
	} else {
		if t.dtype == Float64 {
			suffixes = append(suffixes, "dtype=torch."+t.dtype.String())
		}
		p := &printer{t: t, summarize: t.Numel() > printThreshold}
		p.fmt = p.newFormatter()
		body = p.str(0, 0, len(printPrefix))
	}
	switch {
	case t.gradFn != nil:
		suffixes = append(suffixes, "grad_fn=<"+t.gradFn.Name()+">")
	case t.requiresGrad:
		suffixes = append(suffixes, "requires_grad=True")
	}
	return addSuffixes(printPrefix+body, suffixes, len(printPrefix))
}

// addSuffixes follows _add_suffixes: each suffix goes after ", " on the last
// line, or on a new line indented by indent if the line would pass the width.
// The line length is computed as PyTorch does, two more than the characters
// after the last newline (also when there is none).
func addSuffixes(s string, suffixes []string, indent int) string {
	var b strings.Builder
	b.WriteString(s)
	last := len(s) - strings.LastIndexByte(s, '\n') + 1
	for _, suf := range suffixes {
		if last+len(suf)+2 > printLineWidth {
			b.WriteString(",\n" + strings.Repeat(" ", indent) + suf)
			last = indent + len(suf)
		} else {
			b.WriteString(", " + suf)
			last += len(suf) + 2
		}
	}
	b.WriteString(")")
	return b.String()
}

// shapeTuple writes a shape as Python writes a tuple: (2, 0), (5,), ().
func shapeTuple(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// printer holds what the recursive formatting of one tensor shares.
type printer struct {
	t         *Tensor
	summarize bool
	fmt       formatter
}

// formatter is PyTorch's _Formatter: one notation and width for all elements.
type formatter struct {
	float   bool
	intMode bool
	sciMode bool
	width   int
}

// newFormatter chooses the notation and width from the elements that will be
// shown (all of them, or the edges when summarising), as _Formatter does.
func (p *printer) newFormatter() formatter {
	f := formatter{float: p.t.dtype.IsFloat(), intMode: true, width: 1}
	var idx []int
	if p.summarize {
		idx = p.shownIndices(0, 0, nil)
	} else {
		idx = make([]int, p.t.Numel())
		for i := range idx {
			idx[i] = i
		}
	}
	if !f.float {
		for _, i := range idx {
			f.width = max(f.width, len(f.intString(p.t, i)))
		}
		return f
	}
	vals := make([]float64, 0, len(idx))
	lo, hi := math.Inf(1), 0.0
	for _, i := range idx {
		v := p.t.flat(i)
		if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		vals = append(vals, v)
		a := math.Abs(v)
		lo, hi = min(lo, a), max(hi, a)
		if v != math.Ceil(v) {
			f.intMode = false
		}
	}
	if len(vals) == 0 {
		return f
	}
	f.sciMode = hi/lo > 1000 || hi > 1e8 || (!f.intMode && lo < 1e-4)
	for _, v := range vals {
		n := len(f.plain(v))
		if f.intMode && !f.sciMode {
			n++ // the "." appended to integral values
		}
		f.width = max(f.width, n)
	}
	return f
}

// plain formats a float value in the formatter's notation without the "." of
// int mode and without padding.
func (f formatter) plain(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	case f.sciMode:
		return strconv.FormatFloat(v, 'e', printPrecision, 64)
	case f.intMode:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', printPrecision, 64)
}

// format returns element i of t right-aligned to the common width.
func (f formatter) format(t *Tensor, i int) string {
	var s string
	if !f.float {
		s = f.intString(t, i)
	} else {
		v := t.flat(i)
		s = f.plain(v)
		if f.intMode && !f.sciMode && !math.IsNaN(v) && !math.IsInf(v, 0) {
			s += "."
		}
	}
	if pad := f.width - len(s); pad > 0 {
		s = strings.Repeat(" ", pad) + s
	}
	return s
}

// intString formats element i of an int64 or bool tensor as Python does: 3,
// True, False.
func (formatter) intString(t *Tensor, i int) string {
	v := t.i64[t.pos(i)]
	if t.dtype == Bool {
		if v != 0 {
			return "True"
		}
		return "False"
	}
	return strconv.FormatInt(v, 10)
}

// stride returns the number of elements one step along dim skips.
func (p *printer) stride(dim int) int {
	s := 1
	for _, d := range p.t.shape[dim+1:] {
		s *= d
	}
	return s
}

// shownRange returns the indices along dim that are printed: all of them, or the
// first and last printEdgeItems when summarising a dimension longer than twice that.
func (p *printer) shownRange(dim int) (rows []int, cut bool) {
	n := p.t.shape[dim]
	if p.summarize && n > 2*printEdgeItems {
		for i := range printEdgeItems {
			rows = append(rows, i)
		}
		for i := n - printEdgeItems; i < n; i++ {
			rows = append(rows, i)
		}
		return rows, true
	}
	for i := range n {
		rows = append(rows, i)
	}
	return rows, false
}

// shownIndices appends the flat indices of the elements of the sub-tensor at
// offset, spanning dims dim.., that get_summarized_data keeps.
func (p *printer) shownIndices(offset, dim int, idx []int) []int {
	if dim == len(p.t.shape) {
		return append(idx, offset)
	}
	rows, _ := p.shownRange(dim)
	st := p.stride(dim)
	for _, r := range rows {
		idx = p.shownIndices(offset+r*st, dim+1, idx)
	}
	return idx
}

// str formats the sub-tensor at offset spanning dims dim.., whose first line
// starts after indent characters; it is _tensor_str_with_formatter.
func (p *printer) str(offset, dim, indent int) string {
	rank := len(p.t.shape)
	if dim == rank {
		return p.fmt.format(p.t, offset)
	}
	rows, cut := p.shownRange(dim)
	st := p.stride(dim)
	if dim == rank-1 {
		return p.vector(offset, rows, cut, indent)
	}
	parts := make([]string, 0, len(rows)+1)
	for k, r := range rows {
		if cut && k == printEdgeItems {
			parts = append(parts, "...")
		}
		parts = append(parts, p.str(offset+r*st, dim+1, indent+1))
	}
	sep := "," + strings.Repeat("\n", rank-dim-1) + strings.Repeat(" ", indent+1)
	return "[" + strings.Join(parts, sep) + "]"
}

// vector formats the last dimension, wrapping it into lines of as many elements as
// fit in the line width; it is _vector_str.
func (p *printer) vector(offset int, rows []int, cut bool, indent int) string {
	perLine := max(1, int(math.Floor(float64(printLineWidth-indent)/float64(p.fmt.width+2))))
	data := make([]string, 0, len(rows)+1)
	for k, r := range rows {
		if cut && k == printEdgeItems {
			data = append(data, " ...")
		}
		data = append(data, p.fmt.format(p.t, offset+r))
	}
	var lines []string
	for i := 0; i < len(data); i += perLine {
		lines = append(lines, strings.Join(data[i:min(i+perLine, len(data))], ", "))
	}
	return "[" + strings.Join(lines, ",\n"+strings.Repeat(" ", indent+1)) + "]"
}
