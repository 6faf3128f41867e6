package scan

import (
	"bufio"
	"os"
	"testing"
)

func BenchmarkZZScanOnly(b *testing.B) {
	for _, mix := range []string{"reads", "writes30"} {
		b.Run(mix, func(b *testing.B) {
			path, _, size := benchLog(b, mix)
			s, err := New(shippedRules(b))
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(size)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				f, _ := os.Open(path)
				s.Scan(bufio.NewReaderSize(f, 1<<20), func(Hit) {}, func(int, error) {}, nil)
				f.Close()
			}
		})
	}
}
