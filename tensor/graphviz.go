package tensor

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// GraphOptions adjusts WriteGraph.
type GraphOptions struct {
	// Names labels tensors: leaves (parameters, inputs) and the roots. A module's
	// parameters give it with nn.NamedParameters, e.g. {lin.Weight: "weight"}.
	Names map[*Tensor]string
	// HideSaved leaves out the tensors nodes saved for backward.
	HideSaved bool
}

// WriteGraph writes the backward graph of roots to w in Graphviz's DOT language,
// as torchviz's make_dot draws it: each root as a green box with its shape, each
// node of the graph (MulBackward0, ...) as a grey box, each leaf that requires
// grad as a blue box under its AccumulateGrad node with its name and shape, and,
// unless opts.HideSaved, the tensors each node saved for backward as orange boxes
// with their shapes joined to the node by dashed edges. Edges run in torchviz's
// direction, the forward one: from a node to the node of the op that used its
// result, and from the last node to its root. Node ids
// follow a deterministic walk of the graph, so the output of one program is the
// same on every run. A root that does not require grad is drawn alone.
//
// WriteGraph returns w's first write error. It panics if a root is nil.
func WriteGraph(w io.Writer, roots []*Tensor, opts GraphOptions) error {
	nonNil("WriteGraph", roots...)
	bw := bufio.NewWriter(w)
	g := graphWriter{w: bw, ids: make(map[any]string), opts: opts}
	g.printf("digraph {\n")
	g.printf("\tgraph [size=\"12,12\"]\n")
	g.printf("\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]\n")
	var stack []*Node
	for i, r := range roots {
		name := opts.Names[r]
		if name == "" && len(roots) > 1 {
			name = fmt.Sprintf("output %d", i)
		}
		rid := g.id(r)
		g.printf("\t%s [label=%q fillcolor=darkolivegreen1]\n", rid, strings.TrimPrefix(name+"\n", "\n")+shapeLabel(r.shape))
		if fn := r.gradFn.fn(); fn != nil {
			nid, fresh := g.nodeID(fn)
			g.printf("\t%s -> %s\n", nid, rid)
			if fresh {
				stack = append(stack, fn)
			}
		} else if r.requiresGrad {
			g.printf("\t%s [fillcolor=lightblue]\n", rid)
		}
	}
	// Depth first, without recursion, children in input order.
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		nid := g.ids[n]
		if n.variable != nil {
			g.printf("\t%s [label=%q fillcolor=lightgrey]\n", nid, n.name)
			v := n.variable
			vid := g.id(v)
			label := shapeLabel(v.shape)
			if name := opts.Names[v]; name != "" {
				label = name + "\n" + label
			}
			g.printf("\t%s [label=%q fillcolor=lightblue]\n", vid, label)
			g.printf("\t%s -> %s\n", vid, nid)
			continue
		}
		g.printf("\t%s [label=%q fillcolor=lightgrey]\n", nid, n.name)
		if !opts.HideSaved {
			for i, s := range n.saved {
				sid := fmt.Sprintf("%s_saved%d", nid, i)
				what := "saved input"
				switch {
				case n.x != nil && n.x.custom: // a custom Function's SaveForBackward
					if s.output {
						what = "saved result"
					}
				case s.tag == output:
					what = "saved result"
				case s.tag >= 0:
					what = fmt.Sprintf("saved input %d", s.tag)
				default:
					what = "saved value" // an index, a mask, another result
				}
				g.printf("\t%s [label=%q fillcolor=orange]\n", sid, what+"\n"+shapeLabel(s.t.shape))
				g.printf("\t%s -> %s [dir=none style=dashed]\n", sid, nid)
			}
		}
		var fresh []*Node
		for _, nx := range n.next {
			if nx == nil {
				continue
			}
			nx = nx.fn()
			cid, isNew := g.nodeID(nx)
			g.printf("\t%s -> %s\n", cid, nid)
			if isNew {
				fresh = append(fresh, nx)
			}
		}
		for i := len(fresh) - 1; i >= 0; i-- { // first input popped first
			stack = append(stack, fresh[i])
		}
	}
	g.printf("}\n")
	if g.err != nil {
		return g.err
	}
	return bw.Flush()
}

type graphWriter struct {
	w    *bufio.Writer
	ids  map[any]string
	opts GraphOptions
	err  error
}

func (g *graphWriter) printf(format string, args ...any) {
	if g.err == nil {
		_, g.err = fmt.Fprintf(g.w, format, args...)
	}
}

// id returns the DOT id of k, numbering ids in order of first sight.
func (g *graphWriter) id(k any) string {
	if s, ok := g.ids[k]; ok {
		return s
	}
	s := fmt.Sprintf("n%d", len(g.ids))
	g.ids[k] = s
	return s
}

// nodeID returns n's id and whether n is seen for the first time.
func (g *graphWriter) nodeID(n *Node) (string, bool) {
	_, seen := g.ids[n]
	return g.id(n), !seen
}

// shapeLabel formats a shape as torchviz does: "(2, 3)", "()" for a scalar.
func shapeLabel(shape []int) string {
	s := strings.Trim(fmt.Sprint(shape), "[]")
	return "(" + strings.ReplaceAll(s, " ", ", ") + ")"
}

// SaveGraph writes the backward graph of roots (see WriteGraph) to the file path:
// DOT for a path ending in .dot or .gv; for one ending in .svg, .png or .pdf it
// runs Graphviz's dot program (Debian package graphviz) to render it. The file is
// written to a temporary file in the same folder and renamed, so that an error
// leaves no partial picture. SaveGraph returns an error if the file cannot be
// written, the extension is not one of these, or dot is missing or fails.
func SaveGraph(path string, roots []*Tensor, opts GraphOptions) error {
	var buf bytes.Buffer
	if err := WriteGraph(&buf, roots, opts); err != nil {
		return err
	}
	ext := strings.ToLower(filepath.Ext(path))
	out := buf.Bytes()
	switch ext {
	case ".dot", ".gv":
	case ".svg", ".png", ".pdf":
		dot, err := exec.LookPath("dot")
		if err != nil {
			return fmt.Errorf("tensor: SaveGraph: rendering %s needs Graphviz's dot program (apt-get install graphviz): %w", path, err)
		}
		cmd := exec.Command(dot, "-T"+ext[1:])
		cmd.Stdin = &buf
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if out, err = cmd.Output(); err != nil {
			return fmt.Errorf("tensor: SaveGraph: dot -T%s: %w: %s", ext[1:], err, strings.TrimSpace(stderr.String()))
		}
	default:
		return fmt.Errorf("tensor: SaveGraph: unknown graph file type %q (want .dot, .gv, .svg, .png or .pdf)", ext)
	}
	return writeFileAtomic(path, out)
}

// writeFileAtomic writes data to a temporary file beside path, fsyncs it and
// renames it to path.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
