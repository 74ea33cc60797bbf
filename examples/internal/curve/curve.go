// Package curve draws the examples' loss curves: named series of (step, loss)
// points, saved as a PNG chart with gonum's plot.
package curve

import (
	"fmt"
	"image/png"
	"io"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/gograd/gograd/internal/atomicfile"
)

// Curve is a chart of one or more series.
type Curve struct {
	title, x, y string
	names       []string
	series      map[string]plotter.XYs
}

// New returns an empty chart with a title and axis labels.
func New(title, x, y string) *Curve {
	return &Curve{title: title, x: x, y: y, series: map[string]plotter.XYs{}}
}

// Add appends the point (x, y) to the series name, which is drawn in the
// order series were first added.
func (c *Curve) Add(name string, x, y float64) {
	if _, ok := c.series[name]; !ok {
		c.names = append(c.names, name)
	}
	c.series[name] = append(c.series[name], plotter.XY{X: x, Y: y})
}

// Save writes the chart as a 6×4 inch PNG to path, atomically (a temporary
// file, synced, then renamed).
func (c *Curve) Save(path string) error {
	p := plot.New()
	p.Title.Text = c.title
	p.X.Label.Text, p.Y.Label.Text = c.x, c.y
	p.Add(plotter.NewGrid())
	for i, name := range c.names {
		line, err := plotter.NewLine(c.series[name])
		if err != nil {
			return fmt.Errorf("curve: series %q: %w", name, err)
		}
		line.Color = plotutil.Color(i)
		line.Width = vg.Points(1.5)
		p.Add(line)
		p.Legend.Add(name, line)
	}
	p.Legend.Top = true
	w, err := p.WriterTo(6*vg.Inch, 4*vg.Inch, "png")
	if err != nil {
		return fmt.Errorf("curve: %w", err)
	}
	return atomicfile.Write(path, func(f io.Writer) error {
		_, err := w.WriteTo(f)
		return err
	})
}

// Check returns an error unless path holds a PNG image that decodes.
func Check(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		return fmt.Errorf("curve: %s: %w", path, err)
	}
	return nil
}
