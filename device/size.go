package device

// MaxObjectSize is the largest object size a driver passes through in an
// Item: 1 TiB, far above any phone's file, far below the lies a hostile or
// broken handset tells (an MTP ObjectSize of 2^50, a folder listing's
// 18-digit size). A larger size is reported as -1, unknown, so that a
// consumer bounds its read by its own cap for unknown sizes instead of by
// the handset's word.
const MaxObjectSize = 1 << 40

// PlausibleSize returns n when it is a size a handset may truthfully
// report (0 to MaxObjectSize), else -1.
func PlausibleSize(n int64) int64 {
	if n < 0 || n > MaxObjectSize {
		return -1
	}
	return n
}
