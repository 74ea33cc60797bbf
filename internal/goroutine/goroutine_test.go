package goroutine

import "testing"

func TestIDStableAndDistinct(t *testing.T) {
	self := ID()
	if self == 0 || ID() != self {
		t.Fatalf("ID not stable: %x then %x", self, ID())
	}
	const n = 8
	ids := make(chan uintptr)
	release := make(chan struct{})
	for range n {
		go func() {
			ids <- ID()
			<-release // stay alive until every ID has been read
		}()
	}
	seen := map[uintptr]bool{self: true}
	for range n {
		id := <-ids
		if seen[id] {
			t.Fatalf("duplicate goroutine ID %x among live goroutines", id)
		}
		seen[id] = true
	}
	close(release)
}
