package safetensors

import (
	"fmt"
	"io"

	"github.com/gograd/gograd/internal/atomicfile"
	"github.com/gograd/gograd/tensor"
)

// Save writes tensors to the file path in the safetensors format (see Write).
//
// It writes a temporary file beside path, fsyncs it, renames it over path and
// fsyncs the directory, so path is either left as it was or holds the whole new
// file, also after a crash. The file gets the permission bits of the file it
// replaces, or else 0644 less the process's umask, as os.Create would give.
// When path is a symbolic link, Save writes through it: the file the link
// points to is replaced (and created if the link dangles), and the link stays.
//
// A process killed during Save leaves its temporary file, named
// ".<name>.tmp-<pid>-<random>" beside the target; the next Save to the same
// path removes those whose process no longer runs (on platforms other than
// Unix and Windows, it cannot tell, and leaves them).
func Save(path string, tensors map[string]*tensor.Tensor, metadata map[string]string, opts ...Option) error {
	var werr error // Write's own error, already naming the package
	err := atomicfile.Write(path, func(w io.Writer) error { werr = Write(w, tensors, metadata, opts...); return werr })
	if err != nil && err != werr {
		return fmt.Errorf("safetensors: %w", err)
	}
	return err
}
