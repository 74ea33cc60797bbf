package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/gograd/gograd/tensor"
)

// CSVOptions configures ReadCSV. The zero value reads comma-separated numbers
// without a header, the last column as an int64 class label and every other
// column as a float32 feature.
type CSVOptions struct {
	// Comma is the field separator, ',' if 0.
	Comma rune
	// SkipLines is the number of lines skipped before the header or the data:
	// comments, or a line of counts as in scikit-learn's iris.csv.
	SkipLines int
	// Header says that the first line (after SkipLines) names the columns.
	// Columns can then be chosen by name.
	Header bool
	// Features are the columns that make the inputs, by index (negative: from
	// the end, -1 the last) or, with Header, by name; nil means every column
	// that is not a target.
	Features []string
	// Targets are the columns that make the targets, chosen as Features; nil
	// means the last column. One target column gives targets of shape (N),
	// several (N, len(Targets)).
	Targets []string
	// DType is the inputs' dtype, Float32 if 0 (tensor.Float32 is 0).
	DType tensor.DType
	// FloatTargets reads the targets as numbers of dtype DType (regression);
	// otherwise they are int64 class labels: integers, or names in Classes.
	FloatTargets bool
	// Classes, if set, are the names of the classes: a target field holding
	// Classes[k] becomes k.
	Classes []string
}

// ReadCSV reads a table of numbers from r into a TensorDataset: one sample per
// row, inputs (N, len(features)) from the feature columns and targets from the
// target columns, as opts chooses. Quoted fields and any separator are read as
// encoding/csv reads them; spaces around numbers are ignored; "NaN" and "Inf"
// are read as such. It returns an error naming the line and column of the first
// field that is not a number (or a class), of a row whose number of fields
// differs from the first row's, of a column name or index that does not exist,
// or if there are no rows.
func ReadCSV(r io.Reader, opts CSVOptions) (TensorDataset, error) {
	ds, err := readCSV(r, opts)
	if err != nil {
		return TensorDataset{}, fmt.Errorf("data: ReadCSV: %w", err)
	}
	return ds, nil
}

// ReadCSVFile is ReadCSV on the file at path.
func ReadCSVFile(path string, opts CSVOptions) (TensorDataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return TensorDataset{}, fmt.Errorf("data: ReadCSV: %w", err)
	}
	defer f.Close()
	ds, err := readCSV(f, opts)
	if err != nil {
		return TensorDataset{}, fmt.Errorf("data: ReadCSV: %s: %w", path, err)
	}
	return ds, nil
}

func readCSV(r io.Reader, opts CSVOptions) (TensorDataset, error) {
	cr := csv.NewReader(r)
	if opts.Comma != 0 {
		cr.Comma = opts.Comma
	}
	cr.FieldsPerRecord = -1 // checked here, to say what the lines hold
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	for range opts.SkipLines {
		if _, err := cr.Read(); err != nil {
			return TensorDataset{}, csvError(err, "skipping the first lines")
		}
	}
	var names []string
	if opts.Header {
		rec, err := cr.Read()
		if err != nil {
			return TensorDataset{}, csvError(err, "reading the header")
		}
		names = slices.Clone(rec)
	}
	var (
		features, targets []int
		ncol              int
		xs, ys            []float64
		rows              int
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return TensorDataset{}, csvError(err, "")
		}
		line, _ := cr.FieldPos(0)
		if rows == 0 {
			ncol = len(rec)
			if names != nil && len(names) != ncol {
				return TensorDataset{}, fmt.Errorf("line %d has %d fields, the header %d", line, ncol, len(names))
			}
			if features, targets, err = csvColumns(opts, names, ncol); err != nil {
				return TensorDataset{}, err
			}
		}
		if len(rec) != ncol {
			return TensorDataset{}, fmt.Errorf("line %d has %d fields, the first row %d", line, len(rec), ncol)
		}
		for _, c := range features {
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[c]), 64)
			if err != nil {
				return TensorDataset{}, fieldError(cr, names, c, rec[c], "is not a number")
			}
			xs = append(xs, v)
		}
		for _, c := range targets {
			v, ok := csvTarget(rec[c], opts)
			if !ok {
				return TensorDataset{}, fieldError(cr, names, c, rec[c], targetKind(opts))
			}
			ys = append(ys, v)
		}
		rows++
	}
	if rows == 0 {
		return TensorDataset{}, errors.New("no rows of data")
	}
	xt := tensor.New(xs, rows, len(features)).To(opts.DType)
	yshape := []int{rows}
	if len(targets) > 1 {
		yshape = append(yshape, len(targets))
	}
	yt := tensor.New(ys, yshape...).To(targetDType(opts))
	return TensorDataset{xt, yt}, nil
}

// csvError describes an error of encoding/csv, which names the line itself.
func csvError(err error, doing string) error {
	if err == io.EOF {
		return fmt.Errorf("the file ends while %s", doing)
	}
	return err
}

// fieldError describes field c of the record just read, holding v.
func fieldError(cr *csv.Reader, names []string, c int, v, what string) error {
	line, col := cr.FieldPos(c)
	name := ""
	if names != nil {
		name = fmt.Sprintf(" (%q)", names[c])
	}
	return fmt.Errorf("line %d, column %d%s, character %d: %q %s", line, c, name, col, v, what)
}

func targetDType(opts CSVOptions) tensor.DType {
	if opts.FloatTargets {
		return opts.DType
	}
	return tensor.Int64
}

// targetKind says what a target field that csvTarget rejects is not.
func targetKind(opts CSVOptions) string {
	switch {
	case opts.Classes != nil && !opts.FloatTargets:
		return "is not one of the classes " + strings.Join(opts.Classes, ", ")
	case targetDType(opts) == tensor.Int64:
		return "is not an integer class label"
	}
	return "is not a number"
}

// csvTarget parses a target field.
func csvTarget(f string, opts CSVOptions) (float64, bool) {
	f = strings.TrimSpace(f)
	if opts.Classes != nil && !opts.FloatTargets {
		k := slices.Index(opts.Classes, f)
		return float64(k), k >= 0
	}
	if targetDType(opts) == tensor.Int64 {
		v, err := strconv.ParseInt(f, 10, 64)
		return float64(v), err == nil && v >= -(1<<53) && v <= 1<<53
	}
	v, err := strconv.ParseFloat(f, 64)
	return v, err == nil
}

// csvColumns resolves opts.Features and opts.Targets to column indices, for a
// table of ncol columns named names (nil without a header).
func csvColumns(opts CSVOptions, names []string, ncol int) (features, targets []int, err error) {
	resolve := func(specs []string) ([]int, error) {
		out := make([]int, len(specs))
		for i, s := range specs {
			if k := slices.Index(names, s); k >= 0 {
				out[i] = k
				continue
			}
			k, err := strconv.Atoi(s)
			if err != nil || k >= ncol || k < -ncol {
				return nil, fmt.Errorf("no column %q in a table of %d columns%s", s, ncol, headerList(names))
			}
			if k < 0 {
				k += ncol
			}
			out[i] = k
		}
		return out, nil
	}
	if targets, err = resolve(opts.Targets); err != nil {
		return nil, nil, err
	}
	if opts.Targets == nil {
		targets = []int{ncol - 1}
	}
	if opts.Features != nil {
		features, err = resolve(opts.Features)
		return features, targets, err
	}
	for c := range ncol {
		if !slices.Contains(targets, c) {
			features = append(features, c)
		}
	}
	return features, targets, nil
}

func headerList(names []string) string {
	if names == nil {
		return ""
	}
	return " (" + strings.Join(names, ", ") + ")"
}
