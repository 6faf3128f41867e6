package detection

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// maxExpansions bounds how many values one written value expands to.
const maxExpansions = 1024

// expand resolves the placeholders of the value written at v (the expand
// modifier, Sigma specification "Placeholders"): each %name% becomes each
// of the placeholder's values, every combination where there are several,
// and \% stands for a plain %. A value of a placeholder is Sigma text
// (wildcards keep their meaning), as is the text around it. A % that
// opens no %name% is a plain %.
func (t *test) expand(v *yaml.Node) ([]string, bool) {
	s := v.Value
	outs := []string{""}
	appendText := func(text string) {
		for i := range outs {
			outs[i] += text
		}
	}
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], `\\`):
			appendText(`\\`)
			i += 2
		case strings.HasPrefix(s[i:], `\%`):
			appendText("%")
			i += 2
		case s[i] == '%':
			end := strings.IndexByte(s[i+1:], '%')
			name := ""
			if end >= 0 {
				name = s[i+1 : i+1+end]
			}
			if !IsPlaceholderName(name) {
				appendText("%")
				i++
				continue
			}
			values, ok := t.r.opt.Placeholders[name]
			switch {
			case !ok:
				t.errorf(v, "placeholder %%%s%% has no values in the placeholder file", name)
				return nil, false
			case len(values) == 0:
				t.errorf(v, "placeholder %%%s%% has an empty list of values: the test could never hold", name)
				return nil, false
			case len(outs)*len(values) > maxExpansions:
				t.errorf(v, "placeholders expand this value to more than %d values", maxExpansions)
				return nil, false
			}
			more := i+end+2 < len(s)
			var next []string
			for _, o := range outs {
				// A value ending in a lone backslash, followed by more
				// text, would escape the text's first character. (The
				// text before a placeholder cannot end in one: \% is a
				// plain %.)
				for _, val := range values {
					if more && oddBackslashes(val) {
						t.errorf(v, "placeholder %%%s%%'s value %q ends with a backslash that would escape the text after the placeholder", name, val)
						return nil, false
					}
					next = append(next, o+val)
				}
			}
			outs = next
			i += end + 2
		default:
			appendText(s[i : i+1])
			i++
		}
	}
	return outs, true
}

// oddBackslashes reports whether s ends with an odd run of backslashes:
// an escape waiting for its character.
func oddBackslashes(s string) bool {
	return (len(s)-len(strings.TrimRight(s, `\`)))%2 == 1
}

// IsPlaceholderName reports whether name can be a placeholder's name:
// letters, digits, _ and -.
func IsPlaceholderName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
