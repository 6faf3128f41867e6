package driver

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// Stage is an output directory being written: files go to the temporary
// sibling as they are produced, so a build never holds its output in
// memory, and Commit swaps the whole directory in. Until Commit, the
// previous directory is untouched; Abort (or a failed Commit) removes the
// temporary. The guarantees are WriteDir's, which is CreateDir, the
// writes and Commit: the lock on .NAME.lock is held from CreateDir until
// Commit or Abort.
type Stage struct {
	target, tmp string
	unlock      func()
	mu          sync.Mutex
	dirs        map[string]bool
	done        bool
}

// CreateDir starts replacing dir: it takes the lock, removes the
// temporaries of killed runs, refuses a directory detgen did not write and
// makes the temporary directory with its marker.
func CreateDir(dir string) (*Stage, error) {
	target, err := resolve(dir)
	if err != nil {
		return nil, err
	}
	unlock, err := lockOutput(target, true)
	if err != nil {
		return nil, err
	}
	removeStale(target)
	if err := replaceable(target); err != nil {
		unlock()
		return nil, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(target), tempPrefix(target))
	if err != nil {
		unlock()
		return nil, err
	}
	s := &Stage{target: target, tmp: tmp, unlock: unlock, dirs: map[string]bool{tmp: true}}
	if err := os.Chmod(tmp, 0o755); err != nil {
		s.Abort()
		return nil, err
	}
	if err := s.WriteFile(Marker, []byte(markerText)); err != nil {
		s.Abort()
		return nil, err
	}
	return s, nil
}

// path makes the directories of the slash-separated rel and returns its
// path inside the temporary directory.
func (s *Stage) path(rel string) (string, error) {
	p := filepath.Join(s.tmp, filepath.FromSlash(rel))
	d := filepath.Dir(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirs[d] {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
		s.dirs[d] = true
	}
	return p, nil
}

// WriteFile writes one file (path slash-separated, relative to the
// directory). It is safe for concurrent use.
func (s *Stage) WriteFile(rel string, data []byte) error {
	p, err := s.path(rel)
	if err != nil {
		return err
	}
	return writeFile(p, data, 0o644)
}

// CopyFile writes one file with the content of r, and returns its sha256
// (hex) and size.
func (s *Stage) CopyFile(rel string, r io.Reader) (sum string, n int64, err error) {
	p, err := s.path(rel)
	if err != nil {
		return "", 0, err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return "", 0, err
	}
	h := sha256.New()
	n, err = io.Copy(io.MultiWriter(f, h), r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// Link makes rel a hard link to the file at src (a cache blob): no data
// is copied and no file made. It fails where links cannot be made (another
// file system); the caller then writes the file.
func (s *Stage) Link(src, rel string) error {
	p, err := s.path(rel)
	if err != nil {
		return err
	}
	return os.Link(src, p)
}

// Create makes a file to stream into; the caller closes it.
func (s *Stage) Create(rel string) (*os.File, error) {
	p, err := s.path(rel)
	if err != nil {
		return nil, err
	}
	return os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
}

// Remove deletes a file written before, and its directory when that is
// left empty: the output holds what is written, no empty directories.
func (s *Stage) Remove(rel string) error {
	p := filepath.Join(s.tmp, filepath.FromSlash(rel))
	if err := os.Remove(p); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for d := filepath.Dir(p); d != s.tmp && s.dirs[d]; d = filepath.Dir(d) {
		if os.Remove(d) != nil {
			break // not empty
		}
		delete(s.dirs, d)
	}
	return nil
}

// Commit swaps the written directory in for dir; the previous output is
// removed. On error dir is unchanged and nothing is left behind.
func (s *Stage) Commit() error {
	if s.done {
		return errors.New("output directory already committed or aborted")
	}
	s.done = true
	defer s.unlock()
	if err := swap(s.tmp, s.target); err != nil {
		removeTree(s.tmp)
		return err
	}
	// tmp now holds the previous output, if there was one.
	removeTree(s.tmp)
	return nil
}

// Abort removes what was written; dir is unchanged. It may be called
// after Commit, and then does nothing.
func (s *Stage) Abort() {
	if s.done {
		return
	}
	s.done = true
	removeTree(s.tmp)
	s.unlock()
}
