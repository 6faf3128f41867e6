package fastyaml

import (
	"os"
	"testing"
)

// benchInputs reads the benchmark corpus once: the project's rules and
// mappings and, when present, SigmaHQ's rules.
func benchInputs(b *testing.B) (files [][]byte, size int64) {
	b.Helper()
	paths := append(corpus(b, "rules", ".yaml"), corpus(b, "mappings", ".yaml")...)
	if _, err := os.Stat(sharedCorpus); err == nil {
		paths = append(paths, corpus(b, sharedCorpus+"/rules", ".yml")...)
	} else if os.Getenv("CI") == "true" {
		b.Fatalf("SigmaHQ corpus missing: %v", err)
	}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, src)
		size += int64(len(src))
	}
	return files, size
}

// BenchmarkParse falls back to yaml.v3 where Parse declines, as callers do.
func BenchmarkParse(b *testing.B) {
	files, size := benchInputs(b)
	fast := 0
	for _, src := range files {
		if _, ok := Parse(src); ok {
			fast++
		}
	}
	b.ReportMetric(100*float64(fast)/float64(len(files)), "%fast")
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, src := range files {
			if _, ok := Parse(src); !ok {
				if _, err := yamlV3(src); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}

func BenchmarkYAMLv3(b *testing.B) {
	files, size := benchInputs(b)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, src := range files {
			if _, err := yamlV3(src); err != nil {
				b.Fatal(err)
			}
		}
	}
}
