package scan

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// Decompress returns r's content, gunzipped when it starts with the gzip
// magic bytes: the content decides, not a file name, so compressed
// standard input works too. Concatenated gzip members are read in turn.
func Decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return gzipErrors{zr}, nil
}

// gzipErrors says that a read error (a truncated or corrupt stream) comes
// from the decompression.
type gzipErrors struct{ r io.Reader }

func (g gzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("gzip: %w", err)
	}
	return n, err
}
