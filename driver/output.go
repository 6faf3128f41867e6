package driver

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// WriteDir replaces dir with a directory holding exactly the files.
//
// What a caller and a reader can rely on:
//
//   - Failure changes nothing. The files are written to a fresh sibling
//     directory (.NAME.new-*) first; an error from WriteDir means dir was
//     not replaced: it is byte-identical to before, and no temporary
//     directory is left.
//   - Rename-based swap. The new directory replaces dir by rename, so a
//     reader never sees a half-written set. On Linux the swap is a single
//     renameat2(RENAME_EXCHANGE): the path dir always names a complete
//     directory, and opening dir/manifest.json during a swap finds the old
//     or the new file, never none. Where exchange is unavailable it is two
//     renames, with dir briefly absent between them. A reader that opens
//     several files one by one may still get some old and some new ones;
//     to read a consistent set, hold LockShared (as detgen package does).
//   - Concurrent runs serialize on the lock file .NAME.lock beside dir
//     (flock); none fails, the last to take the lock wins.
//   - A symlink at dir is kept: its target is what gets replaced.
//   - Temporary directories of a killed run are removed by the next run:
//     only the lock holder makes them, so any a new holder finds is stale.
//   - The previous output is removed after the swap, permissions
//     notwithstanding (it is detgen's own); should that fail, it is left
//     as a temporary for the next run to remove and WriteDir succeeds,
//     since dir already holds the new files.
//
// Every directory WriteDir makes holds a marker file, and WriteDir refuses
// to replace an existing, non-empty directory without it: a mistyped --out
// must never wipe a source tree.
func WriteDir(dir string, files []File) error {
	s, err := CreateDir(dir)
	if err != nil {
		return err
	}
	// Directories first, in this goroutine, then the files on every core
	// (a build writes thousands of small files; every error is reported).
	for _, f := range files {
		if _, err := s.path(f.Path); err != nil {
			s.Abort()
			return err
		}
	}
	errs := make([]error, len(files))
	parallel(len(files), func(i int) {
		errs[i] = s.WriteFile(files[i].Path, files[i].Data)
	})
	if err := errors.Join(errs...); err != nil {
		s.Abort()
		return err
	}
	return s.Commit()
}

// Marker names the file that marks a directory as detgen output.
const Marker = ".detgen-output"

const markerText = "This directory is written by detgen and replaced as a whole on every run.\n"

// tempPrefix starts the name of every temporary directory of target.
func tempPrefix(target string) string { return "." + filepath.Base(target) + ".new-" }

// resolve makes dir's parent and follows symlinks at dir itself, so the
// swap replaces a link's target (made when missing) and keeps the link.
func resolve(dir string) (string, error) {
	dir = filepath.Clean(dir)
	for range 40 {
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return "", err
		}
		fi, err := os.Lstat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return dir, nil
		case err != nil:
			return "", err
		case fi.Mode()&fs.ModeSymlink == 0:
			return dir, nil
		}
		link, err := os.Readlink(dir)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			// Relative to the directory the link is in, as the kernel
			// resolves it.
			parent, err := filepath.EvalSymlinks(filepath.Dir(dir))
			if err != nil {
				return "", err
			}
			link = filepath.Join(parent, link)
		}
		dir = filepath.Clean(link)
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", dir)
}

// replaceable accepts a missing or empty directory, or one detgen wrote.
func replaceable(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(entries) == 0) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, Marker)); err != nil {
		return fmt.Errorf("refusing to replace %s: it exists and was not written by detgen (no %s file); choose another output directory or remove it", dir, Marker)
	}
	return nil
}

// swap puts tmp at target, leaving the previous target (if any) at tmp.
func swap(tmp, target string) error {
	if _, err := os.Lstat(target); errors.Is(err, fs.ErrNotExist) {
		return os.Rename(tmp, target)
	}
	err := exchange(tmp, target)
	if !errors.Is(err, errNoExchange) {
		return err
	}
	old := tmp + ".old"
	if err := os.Rename(target, old); err != nil {
		return err
	}
	if err := os.Rename(tmp, target); err != nil {
		os.Rename(old, target)
		return err
	}
	return os.Rename(old, tmp)
}

// errNoExchange reports that the system cannot swap two paths atomically.
var errNoExchange = errors.New("atomic exchange not supported")

// removeStale removes the temporary directories of runs that died; the
// caller holds the lock, so no live run owns one.
func removeStale(target string) {
	parent := filepath.Dir(target)
	list, _ := os.ReadDir(parent)
	for _, e := range list {
		if strings.HasPrefix(e.Name(), tempPrefix(target)) && e.IsDir() {
			removeTree(filepath.Join(parent, e.Name()))
		}
	}
}

// removeTree removes a directory detgen made, first making each of its
// directories writable: a read-only output is still detgen's to replace.
// It is best effort; what remains is removed by the next run.
func removeTree(dir string) {
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
	os.RemoveAll(dir)
}

// LockShared takes the shared lock of the output directory dir, which
// WriteDir's exclusive lock excludes: while it is held, dir is not
// swapped, so a reader sees one consistent set of files. Where the lock
// file cannot be made, no WriteDir can run either, and the read goes
// ahead unlocked.
func LockShared(dir string) (unlock func(), err error) {
	target, err := resolveExisting(dir)
	if err != nil {
		return nil, err
	}
	unlock, err = lockOutput(target, false)
	if errors.Is(err, fs.ErrPermission) {
		return func() {}, nil
	}
	return unlock, err
}

// resolveExisting follows symlinks at dir without making anything.
func resolveExisting(dir string) (string, error) {
	real, err := filepath.EvalSymlinks(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return filepath.Clean(dir), nil
	}
	return real, err
}

// lockOutput opens (creating it if needed) the lock file of target and
// locks it, exclusively or shared.
func lockOutput(target string, exclusive bool) (unlock func(), err error) {
	path := filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+".lock")
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", target, err)
	}
	if err := flock(f, exclusive); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", target, err)
	}
	// Closing the file releases the lock.
	return func() { f.Close() }, nil
}

// WriteFile writes data to path through a temporary file in the same
// directory and a rename, so readers never see a partial file.
func WriteFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
