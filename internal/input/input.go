// Package input reads the files detgen takes as input (specs, test events,
// hand-written queries) safely: only regular files, and only up to a size
// limit. A FIFO or a device named *.yaml would otherwise block a build or
// feed it without end.
package input

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/detgen/detgen/internal/plural"
)

// Limits on one input file.
const (
	MaxSpec  = 4 << 20 // a spec: a few KiB in practice
	MaxEvent = 4 << 20 // a test event: etcd bounds an object at 1.5 MiB
	MaxQuery = 4 << 20 // a hand-written AQL, YARA-L or Sigma file
)

// Read returns the content of the regular file at path (symlinks are
// followed), refusing any other kind of file and any file larger than
// limit bytes. what names the input in messages ("a spec"); errors do not
// repeat the path, which the caller reports.
func Read(path, what string, limit int64) ([]byte, error) {
	// Stat before opening: opening a FIFO blocks, and opening a device
	// can have effects of its own.
	fi, err := os.Stat(path)
	if err != nil {
		return nil, bare(err)
	}
	if err := check(fi, what, limit); err != nil {
		return nil, err
	}
	// O_NONBLOCK: should a FIFO have replaced the file since the Stat,
	// the open returns at once and the check below refuses it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, bare(err)
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := check(fi, what, limit); err != nil {
		return nil, err
	}
	data, err := readAll(f, fi.Size(), limit+1)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, tooLarge(int64(len(data)), what, limit)
	}
	return data, nil
}

// readAll reads r to its end or to max bytes, into a buffer sized for
// size (the file's size when opened; it may have grown since): one read
// and one allocation for a file that did not change, where io.ReadAll
// grows its buffer from 512 bytes.
func readAll(r io.Reader, size, max int64) ([]byte, error) {
	buf := make([]byte, 0, min(size+1, max))
	for int64(len(buf)) < max {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):min(int64(cap(buf)), max)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// bare drops the operation and path from an *fs.PathError: every caller
// reports the path already ("x.yaml: permission denied").
func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// check refuses what is not a regular file or is over the limit.
func check(fi fs.FileInfo, what string, limit int64) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("is %s, not a regular file: %s must be a regular file", kind(fi.Mode()), what)
	}
	if fi.Size() > limit {
		return tooLarge(fi.Size(), what, limit)
	}
	return nil
}

func tooLarge(size int64, what string, limit int64) error {
	return fmt.Errorf("is %s, over the %s limit for %s", bytes(size), bytes(limit), what)
}

// kind names a file type for a message.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}

// bytes formats a size in KiB or MiB, or bytes when small.
func bytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return plural.N(int(n), "byte")
}
