// Package graphfile gives the example programs their -graph flag: the file to
// which a program writes the picture of its backward graph (tensor.SaveGraph).
package graphfile

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gograd/gograd/tensor"
)

// Draw is what an example calls with the results whose graph it shows, just
// before their Backward frees what the graph saved; names labels its leaves. A
// nil Draw draws nothing.
type Draw func(names map[*tensor.Tensor]string, roots ...*tensor.Tensor)

// graphFlag registers the -graph flag on the default flag set and returns a function
// that, after flag.Parse, gives the Draw to pass to the example (nil without
// -graph) and a function to call at the end, which reports a failure to write
// the file on stderr and exits with status 1. Only the first graph drawn is
// written.
func graphFlag() func() (Draw, func()) {
	path := flag.String("graph", "", "write the backward graph to this file (.dot, .gv; .svg, .png, .pdf with Graphviz installed)")
	return func() (Draw, func()) {
		if *path == "" {
			return nil, func() {}
		}
		var err error
		done := false
		draw := func(names map[*tensor.Tensor]string, roots ...*tensor.Tensor) {
			if !done {
				done = true
				err = tensor.SaveGraph(*path, roots, tensor.GraphOptions{Names: names})
			}
		}
		return draw, func() {
			if err == nil && !done {
				err = fmt.Errorf("no graph was drawn")
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
	}
}

// Call calls d unless it is nil.
func (d Draw) Call(names map[*tensor.Tensor]string, roots ...*tensor.Tensor) {
	if d != nil {
		d(names, roots...)
	}
}

// Main is an example's main: it parses the flags (-graph), runs run with
// standard output and the Draw that -graph asks for, and exits with status 1 if
// the picture could not be written.
func Main(run func(w io.Writer, draw Draw)) {
	get := graphFlag()
	flag.Parse()
	draw, done := get()
	run(os.Stdout, draw)
	done()
}
