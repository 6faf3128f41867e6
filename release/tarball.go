package release

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// epoch is the modification time of every archive entry: a fixed time
// makes two builds of the same files byte-identical.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Tarball packs the regular files under dir into a gzip-compressed tar
// whose bytes depend only on the files' paths and contents: entries are
// sorted, owners, modes and times fixed, and the gzip header carries no
// name or time. Entry names start with prefix + "/". Hidden files are
// left out.
func Tarball(dir, prefix string) ([]byte, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// Hidden files (detgen's output marker) are not release content.
		if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	tw := tar.NewWriter(gz)
	dirs := map[string]bool{}
	for _, f := range files {
		rel, err := filepath.Rel(dir, f)
		if err != nil {
			return nil, err
		}
		name := filepath.ToSlash(filepath.Join(prefix, rel))
		// Parent directories first, once each, so extraction works with
		// any tar.
		for _, d := range parents(name) {
			if dirs[d] {
				continue
			}
			dirs[d] = true
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, ModTime: epoch, Format: tar.FormatPAX}); err != nil {
				return nil, err
			}
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: epoch, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func parents(name string) []string {
	var out []string
	for d := filepath.ToSlash(filepath.Dir(name)); d != "." && d != "/"; d = filepath.ToSlash(filepath.Dir(d)) {
		out = append([]string{d}, out...)
	}
	return out
}
