package tensor

// checkInPlace panics, with PyTorch's words, if op may not write into t in place:
// t is a leaf that requires grad, or a view of one, while grad mode is on (the
// write would bypass autograd); or two of t's indices name one element (an
// expanded view).
func (t *Tensor) checkInPlace(op string) {
	if t.requiresGrad && t.gradFn == nil && t.viewBase == nil && IsGradEnabled() {
		fail(op, "a leaf Variable that requires grad is being used in an in-place operation (shape %v); wrap it in NoGrad", t.shape)
	}
	if b := t.viewBase; b != nil && b.requiresGrad && b.gradFn == nil && IsGradEnabled() {
		fail(op, "a view of a leaf Variable that requires grad is being used in an in-place operation (shape %v, base shape %v); wrap it in NoGrad", t.shape, b.shape)
	}
	if t.overlaps() {
		fail(op, "unsupported operation: more than one element of the written-to tensor (shape %v, strides %v) refers to a single memory location; Clone the tensor first", t.shape, t.strides)
	}
}
