package sidekick

import "testing"

func BenchmarkGenerateDefault(b *testing.B) {
	for b.Loop() {
		Generate(DefaultParams())
	}
}
