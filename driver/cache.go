package driver

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Cache is the incremental build cache: a directory (by default
// .detgen-cache beside the output directory) of entries keyed by the
// sha256 of what a rule's outputs are made of: the spec's bytes, the
// detgen version and binary (its code, templates, embedded mappings and
// ATT&CK data), and the --mappings files. An entry also records the test
// event files the spec names with their hashes, and is used only while
// every one is unchanged. So an unchanged rule costs reading and hashing
// its spec, and any change to its inputs compiles it again.
//
// Entries are written atomically (a temporary file and a rename) and
// carry a checksum: a corrupt, truncated or foreign entry is ignored and
// replaced. The cache is best effort: an unreadable or read-only cache
// directory only costs speed. Entries unused for a week are removed (at
// most once a day).
type Cache struct {
	dir  string
	salt [sha256.Size]byte
}

// CacheDirName is the default cache directory's name.
const CacheDirName = ".detgen-cache"

const (
	cacheMagic  = "detgen-cache 1\n"
	cacheMaxAge = 7 * 24 * time.Hour
	blobMaxAge  = 30 * 24 * time.Hour
	trimEvery   = 24 * time.Hour
	touchEvery  = time.Hour
)

// OpenCache opens the cache in dir (made when the first entry is
// written) for outputs of detgen version version with extra mapping files
// in mappingsDir ("" for none).
func OpenCache(dir, version, mappingsDir string) (*Cache, error) {
	exe, err := executableSum()
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	// The QRadar options name the properties the AQL reads: a rule's
	// artifacts depend on them, not only on its spec and the binary.
	qopts, err := json.Marshal(QRadarOptions)
	if err != nil {
		return nil, err
	}
	for _, s := range []string{cacheMagic, version, exe, string(qopts)} {
		writeString(h, s)
	}
	if mappingsDir != "" {
		if err := hashTree(h, mappingsDir); err != nil {
			return nil, err
		}
	}
	c := &Cache{dir: dir}
	h.Sum(c.salt[:0])
	c.trim()
	return c, nil
}

// Dir is the cache directory.
func (c *Cache) Dir() string { return c.dir }

// writeString writes s with its length, so that parts cannot run into
// each other.
func writeString(w io.Writer, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	w.Write(n[:])
	io.WriteString(w, s)
}

// key is the entry key of the parts.
func (c *Cache) key(kind string, parts ...[]byte) string {
	h := sha256.New()
	h.Write(c.salt[:])
	writeString(h, kind)
	for _, p := range parts {
		writeString(h, string(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// path is where the entry name lives: spread over 256 directories.
func (c *Cache) path(name string) string {
	return filepath.Join(c.dir, name[:2], name)
}

// get reads an entry: its header and blobs. ok is false when the entry is
// missing or fails its checksum or layout.
func (c *Cache) get(name string) (header []byte, blobs [][]byte, ok bool) {
	if c == nil {
		return nil, nil, false
	}
	p := c.path(name)
	data, err := os.ReadFile(p)
	if err != nil || !bytes.HasPrefix(data, []byte(cacheMagic)) || len(data) < len(cacheMagic)+sha256.Size {
		return nil, nil, false
	}
	data = data[len(cacheMagic):]
	sum, body := data[:sha256.Size], data[sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, nil, false
	}
	var parts [][]byte
	for len(body) > 0 {
		if len(body) < 4 {
			return nil, nil, false
		}
		n := binary.BigEndian.Uint32(body)
		body = body[4:]
		if uint64(n) > uint64(len(body)) {
			return nil, nil, false
		}
		parts = append(parts, body[:n:n])
		body = body[n:]
	}
	if len(parts) == 0 {
		return nil, nil, false
	}
	c.touch(p)
	return parts[0], parts[1:], true
}

// put writes an entry atomically; errors are ignored (the cache is an
// optimization).
func (c *Cache) put(name string, header []byte, blobs [][]byte) {
	if c == nil {
		return
	}
	var body bytes.Buffer
	for _, b := range append([][]byte{header}, blobs...) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		body.Write(n[:])
		body.Write(b)
	}
	sum := sha256.Sum256(body.Bytes())
	c.write(c.path(name), func(w io.Writer) error {
		io.WriteString(w, cacheMagic)
		w.Write(sum[:])
		_, err := w.Write(body.Bytes())
		return err
	})
}

// write writes the file at p through a temporary file and a rename.
func (c *Cache) write(p string, fill func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-")
	if err != nil {
		return err
	}
	err = fill(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// touch marks an entry used, at most once per touchEvery.
func (c *Cache) touch(p string) {
	if fi, err := os.Stat(p); err == nil && time.Since(fi.ModTime()) > touchEvery {
		now := time.Now()
		os.Chtimes(p, now, now)
	}
}

// trim removes entries unused for cacheMaxAge and temporaries of killed
// runs, at most once per trimEvery.
func (c *Cache) trim() {
	if _, err := os.Stat(c.dir); err != nil {
		return // nothing to trim yet
	}
	stamp := filepath.Join(c.dir, "trimmed")
	if fi, err := os.Stat(stamp); err == nil && time.Since(fi.ModTime()) < trimEvery {
		return
	}
	if err := os.WriteFile(stamp, nil, 0o644); err != nil {
		return
	}
	filepath.WalkDir(c.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == stamp {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		// Blobs are never touched (their time is checked), so they
		// live longer; a rule whose blob went is compiled again.
		max := cacheMaxAge
		if strings.HasPrefix(p, filepath.Join(c.dir, "blobs")+string(filepath.Separator)) {
			max = blobMaxAge
		}
		age := time.Since(fi.ModTime())
		if age > max || (strings.HasPrefix(d.Name(), ".tmp-") && age > touchEvery) {
			os.Remove(p)
		}
		return nil
	})
}

// blobStat is what a blob's file must still show to be used: a file of
// an output directory is a hard link to its blob, so an edit in place of
// an output file (which changes its modification time) must not be
// taken for the blob.
type blobStat struct {
	Size int64 `json:"size"`
	Mod  int64 `json:"mod"` // modification time, Unix nanoseconds
}

func statOf(fi fs.FileInfo) blobStat {
	return blobStat{Size: fi.Size(), Mod: fi.ModTime().UnixNano()}
}

// blobPath is where the blob of a file with the sha256 sum lives.
func (c *Cache) blobPath(sum string) string {
	return filepath.Join(c.dir, "blobs", sum[:2], sum)
}

// checkBlob reports whether the blob of sum is there as it was stored.
func (c *Cache) checkBlob(sum string, want blobStat) (string, bool) {
	p := c.blobPath(sum)
	fi, err := os.Stat(p)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o644 || statOf(fi) != want {
		return "", false
	}
	return p, true
}

// putBlob stores data (whose sha256 is sum) as a blob, unless the same
// bytes are there already, and returns its path and stat.
func (c *Cache) putBlob(sum string, data []byte) (string, blobStat, bool) {
	p := c.blobPath(sum)
	if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm() == 0o644 && fi.Size() == int64(len(data)) {
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, data) {
			return p, statOf(fi), true
		}
	}
	if err := c.write(p, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}); err != nil {
		return "", blobStat{}, false
	}
	fi, err := os.Stat(p)
	if err != nil {
		return "", blobStat{}, false
	}
	return p, statOf(fi), true
}

var (
	exeOnce sync.Once
	exeHash string
	exeErr  error
)

// executableSum is the sha256 of the running binary: any change of code
// or embedded data makes new keys, whatever the version string says.
func executableSum() (string, error) {
	exeOnce.Do(func() {
		var p string
		if p, exeErr = os.Executable(); exeErr != nil {
			return
		}
		var f *os.File
		if f, exeErr = os.Open(p); exeErr != nil {
			return
		}
		defer f.Close()
		h := sha256.New()
		if _, exeErr = io.Copy(h, f); exeErr == nil {
			exeHash = hex.EncodeToString(h.Sum(nil))
		}
	})
	return exeHash, exeErr
}

// hashTree hashes the names and contents of the regular files under dir.
func hashTree(w io.Writer, dir string) error {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0 {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		writeString(w, filepath.ToSlash(rel))
		writeString(w, string(data))
	}
	return nil
}
