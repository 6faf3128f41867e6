package driver

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/detgen/detgen/backends/qradar/content"
	"github.com/detgen/detgen/docgen"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/release"
)

// BuildResult is what WriteBuild wrote.
type BuildResult struct {
	Rules     []*ir.Rule // metadata only (see Loaded.Rules)
	Artifacts int
	Warnings  []Warning
}

// WriteBuild generates every rule into the build output directory dir:
// the files of BuildFiles, replaced as WriteDir replaces a directory, but
// streamed: each rule's files go to the new directory as soon as they are
// made, and only their hashes stay in memory for the manifest. check, when
// not nil, sees every rule and artifact (hashes only, Data nil) before the
// directory is swapped in; its error, like any other, leaves dir as it
// was.
func (l *Loaded) WriteBuild(dir string, check func(rules []*ir.Rule, arts []release.Artifact) error) (*BuildResult, error) {
	stage, err := CreateDir(dir)
	if err != nil {
		return nil, err
	}
	defer stage.Abort()
	ext, err := l.startExtension(stage)
	if err != nil {
		return nil, err
	}
	defer ext.close()
	files := make([][]release.Artifact, len(l.units))
	warns, err := l.Generate(func(i int, out *RuleOutput) error {
		if err := out.write(stage); err != nil {
			return err
		}
		var aql string // the blob of a cached rule's AQL
		for j, f := range out.Files {
			if f.Target == "qradar" {
				aql = out.blobs[j]
			}
			f.Data = nil
			files[i] = append(files[i], f)
		}
		return ext.add(i, out.Search, aql)
	})
	res := &BuildResult{Warnings: warns}
	if err != nil {
		return res, err
	}
	res.Rules = l.Rules()
	var all, arts []release.Artifact
	for k, i := range l.Order() {
		for _, f := range files[i] {
			f.Rule = res.Rules[k] // metadata, not the compiled rule
			all = append(all, f)
			if _, ok := LookupTarget(f.Target); ok {
				arts = append(arts, f)
			}
		}
	}
	res.Artifacts = len(arts)
	if check != nil {
		if err := check(res.Rules, arts); err != nil {
			return res, err
		}
	}
	sum, ok, err := ext.finish()
	if err != nil {
		return res, err
	}
	if ok {
		for _, a := range arts {
			if a.Target == "qradar" {
				all = append(all, release.Artifact{Rule: a.Rule, Target: "qradar-extension", Path: QRadarExtensionPath, SHA256: sum})
			}
		}
	}
	manifest, err := release.BuildManifest(l.opts.Version, all)
	if err != nil {
		return res, err
	}
	if err := stage.WriteFile("manifest.json", manifest); err != nil {
		return res, err
	}
	return res, stage.Commit()
}

// extensionBuild is the QRadar content extension of a build in the
// making: linked from the cache when every rule is as in a build before
// (their keys fix the searches), else assembled as the rules are generated,
// each search's encoded elements spilled to a file in the stage (removed
// before the swap), so that memory does not grow with the number of
// rules; then written and cached.
type extensionBuild struct {
	l      *Loaded
	stage  *Stage
	key    string // cache key; "" without a cache
	sum    string // sha256 of the extension linked from the cache
	linked bool
	asm    *content.Assembler
	spill  *os.File
}

// extensionSpill is the spill file's name in the stage.
const extensionSpill = ".qradar-extension.spill"

func (l *Loaded) startExtension(stage *Stage) (*extensionBuild, error) {
	x := &extensionBuild{l: l, stage: stage, key: l.extensionKey()}
	if x.key != "" {
		if sum, ok := l.opts.Cache.linkExtension(stage, x.key); ok {
			x.sum, x.linked = sum, true
			return x, nil
		}
	}
	spill, err := stage.Create(extensionSpill)
	if err != nil {
		return nil, err
	}
	x.spill = spill
	x.asm = content.NewAssembler(QRadarOptions, spill)
	return x, nil
}

// extensionKey is the cache key of the extension of every rule, "" when
// some rule has no cache key (or there is no cache).
func (l *Loaded) extensionKey() string {
	c := l.opts.Cache
	if c == nil {
		return ""
	}
	opts, err := json.Marshal(QRadarOptions)
	if err != nil {
		return ""
	}
	keys := [][]byte{opts}
	for _, u := range l.units {
		if u.key == "" {
			return ""
		}
		keys = append(keys, []byte(u.key))
	}
	return c.key("qradar-extension", keys...)
}

// add adds rule i's search (nil for none; a cached rule's AQL is in the
// blob aql).
func (x *extensionBuild) add(i int, s *content.Search, aql string) error {
	if x.asm == nil || s == nil {
		return nil
	}
	cp := *s
	if cp.AQL == "" && aql != "" {
		data, err := os.ReadFile(aql)
		if err != nil {
			return err
		}
		cp.AQL = string(data)
	}
	x.asm.Add(i, cp)
	return nil
}

// finish writes the extension and returns its sha256, and false when no
// rule has a search.
func (x *extensionBuild) finish() (string, bool, error) {
	if x.linked {
		return x.sum, true, nil
	}
	defer x.close()
	if x.asm.Len() == 0 {
		return "", false, nil
	}
	f, err := x.stage.Create(QRadarExtensionPath)
	if err != nil {
		return "", false, err
	}
	h := sha256.New()
	w := bufio.NewWriterSize(io.MultiWriter(f, h), 1<<16)
	err = x.asm.WriteArchive(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", false, fmt.Errorf("qradar content extension: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if x.key != "" {
		x.l.opts.Cache.putExtension(x.key, f.Name(), sum)
	}
	return sum, true, nil
}

// close removes the spill file (it must not be swapped in).
func (x *extensionBuild) close() {
	if x.spill != nil {
		x.spill.Close()
		x.stage.Remove(extensionSpill)
		x.spill = nil
	}
}

// extDir holds the cached extensions: one file per build's set of
// searches, so only the latest few are kept.
func (c *Cache) extDir() string { return filepath.Join(c.dir, "ext") }

// extension is what the cache records of a build's extension.
type extension struct {
	SHA256 string   `json:"sha256"`
	Blob   blobStat `json:"blob"`
}

// linkExtension links a cached extension into the stage; ok is false when
// there is none as it was stored.
func (c *Cache) linkExtension(stage *Stage, key string) (string, bool) {
	data, err := os.ReadFile(filepath.Join(c.extDir(), key+".json"))
	if err != nil {
		return "", false
	}
	var x extension
	if json.Unmarshal(data, &x) != nil {
		return "", false
	}
	p := filepath.Join(c.extDir(), key+".zip")
	fi, err := os.Stat(p)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o644 || statOf(fi) != x.Blob {
		return "", false
	}
	if stage.Link(p, QRadarExtensionPath) != nil {
		f, err := os.Open(p)
		if err != nil {
			return "", false
		}
		defer f.Close()
		sum, _, err := stage.CopyFile(QRadarExtensionPath, f)
		if err != nil || sum != x.SHA256 {
			stage.Remove(QRadarExtensionPath)
			return "", false
		}
	}
	c.touch(filepath.Join(c.extDir(), key+".json"))
	return x.SHA256, true
}

// putExtension caches the extension at path (a hard link to it), and
// removes those of earlier builds unused for a while: each is as large as
// all the rules' AQL together.
func (c *Cache) putExtension(key, path, sum string) {
	dir := c.extDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return
	}
	p := filepath.Join(dir, key+".zip")
	os.Remove(p)
	if os.Link(path, p) != nil {
		return
	}
	fi, err := os.Stat(p)
	if err != nil {
		return
	}
	data, _ := json.Marshal(extension{SHA256: sum, Blob: statOf(fi)})
	if c.write(filepath.Join(dir, key+".json"), func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}) != nil {
		return
	}
	list, _ := os.ReadDir(dir)
	for _, e := range list {
		if strings.HasPrefix(e.Name(), key+".") {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > 10*time.Minute {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// WriteDocs renders every rule's documentation pages and the index into
// dir (replaced as WriteDir replaces it), streaming each rule's pages out
// as they are rendered; a cached rule's pages are linked from the cache.
// It returns the number of pages written.
func (l *Loaded) WriteDocs(dir string) (int, []Warning, error) {
	stage, err := CreateDir(dir)
	if err != nil {
		return 0, nil, err
	}
	defer stage.Abort()
	targets := make([][]string, len(l.units))
	counts := make([]int, len(l.units))
	warns, err := l.Generate(func(i int, out *RuleOutput) error {
		pages, err := l.rulePages(out)
		if err != nil {
			return err
		}
		for _, p := range pages {
			if p.blob != "" && stage.Link(p.blob, p.Path) == nil {
				continue
			}
			if err := stage.WriteFile(p.Path, p.Data); err != nil {
				return err
			}
		}
		for _, f := range out.Files {
			if _, ok := LookupTarget(f.Target); ok {
				targets[i] = append(targets[i], f.Target)
			}
		}
		counts[i] = len(pages)
		return nil
	})
	if err != nil {
		return 0, warns, err
	}
	l.opts.Progress.Phase(l.opts.Verb+": rendering pages", 0, "")
	rules := l.Rules()
	byID := map[string][]string{}
	n := 1
	for k, r := range rules {
		i := l.Order()[k]
		byID[r.ID] = targets[i]
		n += counts[i]
	}
	index, err := docgen.Index(rules, byID)
	if err != nil {
		return 0, warns, err
	}
	if err := stage.WriteFile(index.Path, index.Data); err != nil {
		return 0, warns, err
	}
	return n, warns, stage.Commit()
}

// page is a docs page, rendered (Data) or in the cache (blob).
type page struct {
	docgen.Page
	blob string
}

// cachedPage is a page in the cache's docs entry of a rule.
type cachedPage struct {
	Path   string   `json:"path"`
	SHA256 string   `json:"sha256"`
	Blob   blobStat `json:"blob"`
}

// rulePages renders (or finds in the cache) one rule's pages.
func (l *Loaded) rulePages(out *RuleOutput) ([]page, error) {
	c, u := l.opts.Cache, out.unit
	if c != nil && u.key != "" {
		if pages, ok := c.cachedPages(u.key); ok {
			return pages, nil
		}
	}
	r, err := out.FullRule()
	if err != nil {
		return nil, err
	}
	arts, err := out.Artifacts()
	if err != nil {
		return nil, err
	}
	var das []docgen.Artifact
	for _, a := range arts {
		das = append(das, docgen.Artifact{Target: a.Target, Data: a.Data})
	}
	rendered, err := docgen.RulePages(r, das, DocOptions())
	if err != nil {
		return nil, err
	}
	pages := make([]page, len(rendered))
	for i, p := range rendered {
		pages[i].Page = p
	}
	if c != nil && u.key != "" {
		c.putPages(u.key, pages)
	}
	return pages, nil
}

func (c *Cache) cachedPages(key string) ([]page, bool) {
	header, _, ok := c.get(key + "-d")
	if !ok {
		return nil, false
	}
	var list []cachedPage
	if json.Unmarshal(header, &list) != nil {
		return nil, false
	}
	pages := make([]page, len(list))
	for i, cp := range list {
		p, ok := c.checkBlob(cp.SHA256, cp.Blob)
		if !ok {
			return nil, false
		}
		pages[i] = page{Page: docgen.Page{Path: cp.Path}, blob: p}
	}
	return pages, true
}

// putPages caches a rule's rendered pages and sets their blobs.
func (c *Cache) putPages(key string, pages []page) {
	list := make([]cachedPage, len(pages))
	for i, p := range pages {
		sum := release.Hash(p.Data)
		path, st, ok := c.putBlob(sum, p.Data)
		if !ok {
			return
		}
		list[i] = cachedPage{Path: p.Path, SHA256: sum, Blob: st}
		pages[i].blob = path
	}
	if header, err := json.Marshal(list); err == nil {
		c.put(key+"-d", header, nil)
	}
}

// Hashes generates every rule (or finds it in the cache) and returns the
// rules (metadata only) and their artifacts with hashes and no data: what
// validate and lock need.
func (l *Loaded) Hashes() ([]*ir.Rule, []release.Artifact, []Warning, error) {
	files := make([][]release.Artifact, len(l.units))
	warns, err := l.Generate(func(i int, out *RuleOutput) error {
		for _, f := range out.Files {
			if _, ok := LookupTarget(f.Target); ok {
				f.Data = nil
				files[i] = append(files[i], f)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, warns, err
	}
	rules := l.Rules()
	var arts []release.Artifact
	for k, i := range l.Order() {
		for _, a := range files[i] {
			a.Rule = rules[k]
			arts = append(arts, a)
		}
	}
	return rules, arts, warns, nil
}
