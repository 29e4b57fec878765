package recovery

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// sumYielding hashes in chunks; the result must be SHA-256 of the whole,
// at every length around a chunk boundary.
func TestSumYielding(t *testing.T) {
	data := make([]byte, 3*hashChunk+7)
	for i := range data {
		data[i] = byte(i*31 + i>>8)
	}
	for _, n := range []int{0, 1, hashChunk - 1, hashChunk, hashChunk + 1, 2 * hashChunk, len(data)} {
		want := sha256.Sum256(data[:n])
		if got := sumYielding(data[:n]); got != hex.EncodeToString(want[:]) {
			t.Errorf("%d bytes: got %s, want %x", n, got, want)
		}
	}
}
