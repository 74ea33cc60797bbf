package pt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/gograd/gograd/tensor"
)

// legacyMagic is the pickle of torch's legacy MAGIC_NUMBER,
// 0x1950a86a20f9469cfc6c, after the PROTO opcode.
const legacyMagic = "\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19."

// legacyVersion is the legacy format's PROTOCOL_VERSION.
const legacyVersion = 1001

// readLegacy reads the format torch.save wrote before PyTorch 1.6 (and writes
// with _use_new_zipfile_serialization=False): five pickles in a row (magic
// number, protocol version, system info, the object, the sorted storage keys),
// then each storage as its element count (8 bytes) and its bytes.
func readLegacy(r io.Reader, size int64, halfAs tensor.DType) (any, error) {
	data, err := io.ReadAll(io.LimitReader(r, size))
	if err != nil {
		return nil, err
	}
	if len(data) < 2+len(legacyMagic) || data[0] != 0x80 || string(data[2:2+len(legacyMagic)]) != legacyMagic {
		return nil, errors.New("not a torch.save file: a pickle without torch's magic number")
	}
	pos := 2 + len(legacyMagic)
	none := &loader{storages: map[string]*storage{}, dry: true,
		record: func(string, int64) ([]byte, error) { return nil, errors.New("a storage in the header") }}
	next := func(l *loader) (any, error) {
		u := &unpickler{data: data[pos:], loader: l}
		v, err := u.load()
		pos += u.pos
		return v, err
	}
	if v, err := next(none); err != nil || v != int64(legacyVersion) {
		return nil, fmt.Errorf("legacy format: protocol version %v, want %d (%v)", v, legacyVersion, err)
	}
	info, err := next(none)
	if err != nil {
		return nil, fmt.Errorf("legacy format: system info: %w", err)
	}
	big := false
	if d, ok := info.(*pyDict); ok {
		if i, ok := d.index["little_endian"]; ok && d.vals[i] == false {
			big = true
		}
	}
	// First pass over the object: check it and learn which storages it uses
	// and their sizes; the bytes come after the next pickle.
	objStart := pos
	sizes := map[string]int64{}
	dry := &loader{storages: map[string]*storage{}, dry: true, budget: max(minBudget, 2*size),
		record: func(key string, n int64) ([]byte, error) { sizes[key] = n; return nil, nil }}
	if _, err := next(dry); err != nil {
		return nil, err
	}
	objEnd := pos
	keys, err := next(none)
	if err != nil {
		return nil, fmt.Errorf("legacy format: storage keys: %w", err)
	}
	list, ok := keys.(*pyList)
	if !ok {
		return nil, fmt.Errorf("legacy format: storage keys are a %s, want a list", typeName(keys))
	}
	order := binary.ByteOrder(binary.LittleEndian)
	if big {
		order = binary.BigEndian
	}
	records := make(map[string][]byte, len(list.items))
	for _, k := range list.items {
		key, ok := k.(string)
		n, used := sizes[key]
		if !ok || !used {
			return nil, fmt.Errorf("legacy format: storage key %v is not used by the object", k)
		}
		if len(data)-pos < 8 {
			return nil, fmt.Errorf("legacy format: storage %q: %w", key, io.ErrUnexpectedEOF)
		}
		numel := int64(order.Uint64(data[pos:]))
		pos += 8
		elem := int64(storageKinds[dry.storages[key].kind].size)
		if numel != n/elem {
			return nil, fmt.Errorf("legacy format: storage %q holds %d elements, the object says %d", key, numel, n/elem)
		}
		if int64(len(data)-pos) < n {
			return nil, fmt.Errorf("legacy format: storage %q: %w", key, io.ErrUnexpectedEOF)
		}
		records[key] = data[pos : pos+int(n)]
		pos += int(n)
	}
	if pos != len(data) {
		return nil, fmt.Errorf("legacy format: %d bytes after the last storage", len(data)-pos)
	}
	l := &loader{storages: map[string]*storage{}, big: big, budget: max(minBudget, 2*size), halfAs: halfAs,
		record: func(key string, n int64) ([]byte, error) {
			b, ok := records[key]
			if !ok {
				return nil, errors.New("missing")
			}
			return b, nil
		}}
	return unpickle(data[objStart:objEnd], l)
}
