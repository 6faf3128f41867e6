package sigmain

import (
	_ "embed"
	"sort"
	"strings"

	"github.com/detgen/detgen/backends/sigma"
	"github.com/detgen/detgen/detection"
	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/internal/strictyaml"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/mappings"
	"gopkg.in/yaml.v3"
)

// lsKey is a Sigma logsource, normalised (see norm).
type lsKey struct {
	Category string `yaml:"category"`
	Product  string `yaml:"product"`
	Service  string `yaml:"service"`
}

func (k lsKey) norm() lsKey {
	return lsKey{norm(k.Category), norm(k.Product), norm(k.Service)}
}

// norm folds the spellings the specification allows for one logsource
// value: case, surrounding space, and spaces for underscores.
func norm(s string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), " ", "_")
}

func (k lsKey) String() string {
	var parts []string
	for _, kv := range [][2]string{{"product", k.Product}, {"category", k.Category}, {"service", k.Service}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+": "+kv[1])
		}
	}
	return strings.Join(parts, ", ")
}

//go:embed logsources.yaml
var aliasData []byte

const aliasFile = "sigmain/logsources.yaml"

type aliases struct {
	Aliases []alias `yaml:"aliases" detgen:"required"`
}

type alias struct {
	Pos   diag.Pos
	Sigma lsKey     `yaml:"sigma" detgen:"required"`
	As    lsKey     `yaml:"as" detgen:"required"`
	Where yaml.Node `yaml:"where"`
}

// source is a detgen log source as Sigma sees it: its Sigma logsource and
// the Sigma field names of its profile, resolved to logical fields.
type source struct {
	name   string
	key    lsKey
	file   string // the profile, for messages
	fields map[string]detection.Field
	// partial holds the names that are one of several event paths of a
	// logical field (names: paths profiles): reading one as the field
	// would also match the others, so they are refused.
	partial map[string]string
	lower   map[string][]string // lower-cased name -> names
	names   []string
}

// reader resolves Sigma logsources and fields through mappings/.
type reader struct {
	sources      []*source
	aliases      []alias
	placeholders map[string][]string // Config.Placeholders
}

func newReader(cfg Config) (*reader, diag.List) {
	rd := &reader{placeholders: cfg.Placeholders}
	var al aliases
	if errs := strictyaml.Decode(aliasFile, aliasData, &al); len(errs) > 0 {
		return nil, errs
	}
	rd.aliases = al.Aliases
	// The mapping files are decoded on every core: the reader's start-up.
	names := mappings.LogsourceNames()
	srcs := make([]*source, len(names))
	errs := make([]diag.List, len(names))
	driver.Parallel(len(names), func(i int) { srcs[i], errs[i] = loadSource(names[i]) })
	for i := range names {
		if len(errs[i]) > 0 {
			return nil, errs[i]
		}
		if srcs[i] != nil {
			rd.sources = append(rd.sources, srcs[i])
		}
	}
	return rd, nil
}

// loadSource reads a log source's Sigma profile and catalog; nil when it
// has no Sigma profile (no Sigma form).
func loadSource(name string) (*source, diag.List) {
	var prof sigma.Profile
	if errs := mappings.Load("sigma", name, &prof); len(errs) > 0 {
		return nil, nil
	}
	ls, errs := mappings.LoadLogsource(name)
	if len(errs) > 0 {
		return nil, errs
	}
	src := &source{name: name, file: "mappings/sigma/" + name + ".yaml", key: lsKey(prof.Logsource).norm(),
		fields: map[string]detection.Field{}, partial: map[string]string{}, lower: map[string][]string{}}
	for _, f := range prof.Fields {
		for _, n := range f.Names {
			logical := f.Field
			if prof.Names == "fields" {
				if _, ok := ls.Field(n); ok {
					logical = n
				}
			} else if len(f.Names) > 1 {
				src.partial[n] = f.Field
			}
			lf, _ := ls.Field(logical)
			if _, isPartial := src.partial[n]; !isPartial {
				src.fields[n] = detection.Field{Name: logical, Type: ir.FieldType(lf.Type)}
			}
			src.lower[strings.ToLower(n)] = append(src.lower[strings.ToLower(n)], n)
			src.names = append(src.names, n)
		}
	}
	sort.Strings(src.names)
	return src, nil
}

// lookup finds a Sigma field name: exactly, or else case-insensitively
// when that names one field (SigmaHQ mixes OperationName and
// operationName). name is the profile's spelling.
func (s *source) lookup(written string) (name string, ok bool) {
	if _, ok := s.fields[written]; ok {
		return written, true
	}
	if _, ok := s.partial[written]; ok {
		return written, true
	}
	if c := s.lower[strings.ToLower(written)]; len(c) == 1 {
		return c[0], true
	}
	return "", false
}

// resolve is detection's view of the profile.
func (s *source) resolve(written string) (detection.Field, bool) {
	name, ok := s.lookup(written)
	if !ok {
		return detection.Field{}, false
	}
	f, ok := s.fields[name]
	return f, ok
}

// binding is a rule's resolved logsource: the source, and the narrowing
// an alias adds.
type binding struct {
	src   *source
	where *yaml.Node
}

// logsourceText writes a logsource as product/category/service, "-" for
// an absent key: the form summaries group unresolved rules by.
func logsourceText(n *yaml.Node) string {
	k := readKey(n)
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	return dash(k.Product) + "/" + dash(k.Category) + "/" + dash(k.Service)
}

func readKey(n *yaml.Node) lsKey {
	if n == nil || n.Kind != yaml.MappingNode {
		return lsKey{}
	}
	get := func(k string) string {
		if v := mapGet(n, k); v != nil && v.Kind == yaml.ScalarNode {
			return v.Value
		}
		return ""
	}
	return lsKey{Category: get("category"), Product: get("product"), Service: get("service")}.norm()
}

// logsource resolves the document's logsource, or refuses the document.
func (rd *reader) logsource(d *doc) *binding {
	n := d.get("logsource")
	if n == nil || n.Kind != yaml.MappingNode {
		d.res.refuse(d.res.Pos, "a rule needs a logsource mapping (category, product, service)")
		return nil
	}
	written := readKey(n)
	if written == (lsKey{}) {
		d.res.refuse(d.pos(n), "the logsource names no category, product or service")
		return nil
	}
	b := &binding{}
	key := written
	for i := range rd.aliases {
		if a := &rd.aliases[i]; a.Sigma.norm() == written {
			key = a.As.norm()
			if a.Where.Kind != 0 {
				b.where = &a.Where
			}
		}
	}
	var found []*source
	for _, s := range rd.sources {
		if s.key == key {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 0:
		d.res.refuse(d.pos(n), "logsource %s has no detgen log source (no mappings/sigma profile names it)", written)
		return nil
	case 1:
		b.src = found[0]
		return b
	}
	d.res.refuse(d.pos(n), "logsource %s is ambiguous: the Sigma profiles of %s and %s both name it", written, found[0].name, found[1].name)
	return nil
}
