package distributed

import (
	"errors"

	"github.com/gograd/gograd/tensor"
)

// SaveOnRank0 calls save on rank 0 only, so that a checkpoint is written once
// rather than once per rank, and returns on every rank once save has returned:
// after it, any rank may load the file (from a filesystem the ranks share).
// Every rank returns an error if save failed: rank 0 save's own, the others
// one with its message. Call it on every rank.
//
//	err := distributed.SaveOnRank0(func() error {
//		return safetensors.Save(path, nn.StateDict(ddp.Module()), nil)
//	})
func SaveOnRank0(save func() error) error {
	w := current("SaveOnRank0")
	var err error
	msg := ""
	if w.rank == 0 {
		if err = save(); err != nil {
			msg = err.Error()
			if msg == "" {
				msg = "failed"
			}
		}
	}
	// The broadcast makes the other ranks wait for rank 0's save.
	if msg = BroadcastString(msg, 0); w.rank != 0 && msg != "" {
		return errors.New("distributed: SaveOnRank0: rank 0: " + msg)
	}
	return err
}

// BroadcastString returns s as rank src passed it, on every rank (the
// counterpart of broadcast_object_list for a string): a file name chosen by
// one rank, or a message. The other ranks' s is ignored.
func BroadcastString(s string, src int) string {
	w := current("BroadcastString")
	w.checkRoot("BroadcastString", src)
	n := tensor.New([]int64{int64(len(s))})
	Broadcast(n, src)
	size := int(n.Int64s()[0])
	if size == 0 {
		return ""
	}
	b := tensor.Int64.Zeros(size)
	if w.rank == src {
		for i := range size {
			b.Int64s()[i] = int64(s[i])
		}
	}
	Broadcast(b, src)
	out := make([]byte, size)
	for i, v := range b.Int64s() {
		out[i] = byte(v)
	}
	return string(out)
}
