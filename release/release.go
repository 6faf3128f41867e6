// Package release turns a build into what CI pipelines publish: a
// manifest of every artifact with its hash, a lock file that ties each
// rule's compiled output to its version, and a reproducible tarball.
package release

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"

	"github.com/detgen/detgen/ir"
)

// Artifact is one generated file of a rule for a target.
type Artifact struct {
	Rule   *ir.Rule
	Target string // qradar, chronicle, sigma
	Path   string // slash-separated, relative to the build directory
	Data   []byte
	// SHA256, when set, is Hash(Data), and Data may be nil: a build that
	// streams its files out keeps only their hashes.
	SHA256 string
}

// sum is the artifact's hash.
func (a Artifact) sum() string {
	if a.SHA256 != "" {
		return a.SHA256
	}
	return Hash(a.Data)
}

// Hash is the sha256 of data, hex.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Manifest describes a build directory.
type Manifest struct {
	DetgenVersion string          `json:"detgen_version"`
	Rules         []ManifestEntry `json:"rules"`
}

// ManifestEntry is one rule of the manifest.
type ManifestEntry struct {
	ID        string                    `json:"id"`
	Name      string                    `json:"name"`
	Title     string                    `json:"title"`
	Version   int                       `json:"version"`
	Attack    []string                  `json:"attack"`
	Tactics   []string                  `json:"tactics"`
	Artifacts map[string]ManifestTarget `json:"artifacts"`
}

// ManifestTarget is one artifact of a rule.
type ManifestTarget struct {
	Path          string `json:"path"`
	SHA256        string `json:"sha256"`
	DetgenVersion string `json:"detgen_version"`
}

// BuildManifest lists every artifact, rules sorted by id; the JSON
// encoder sorts the per-target map, so the bytes are deterministic.
func BuildManifest(version string, arts []Artifact) ([]byte, error) {
	m := Manifest{DetgenVersion: version}
	byID := map[string]*ManifestEntry{}
	for _, a := range arts {
		e, ok := byID[a.Rule.ID]
		if !ok {
			e = &ManifestEntry{
				ID: a.Rule.ID, Name: a.Rule.Name, Title: a.Rule.Title, Version: a.Rule.Version,
				Attack:    AttackIDs(a.Rule),
				Artifacts: map[string]ManifestTarget{},
			}
			for _, t := range a.Rule.Tactics {
				e.Tactics = append(e.Tactics, t.ID)
			}
			byID[a.Rule.ID] = e
		}
		e.Artifacts[a.Target] = ManifestTarget{Path: a.Path, SHA256: a.sum(), DetgenVersion: version}
	}
	for _, e := range byID {
		m.Rules = append(m.Rules, *e)
	}
	sort.Slice(m.Rules, func(i, j int) bool { return m.Rules[i].ID < m.Rules[j].ID })
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// AttackIDs is the technique and, when present, sub-technique of a rule.
func AttackIDs(r *ir.Rule) []string {
	ids := []string{r.Technique.ID}
	if r.Subtechnique.ID != "" {
		ids = append(ids, r.Subtechnique.ID)
	}
	return ids
}
