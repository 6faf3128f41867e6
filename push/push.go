// Package push holds what the SIEM clients under it (push/chronicle,
// push/qradar) share: the error for a bad Config field, and redaction of
// the API token from every text a client returns.
package push

import (
	"net/url"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ConfigError is a problem with one field of a client's Config. Its text
// names the Go field, for library callers; a command line maps Field to
// the flag or variable the user set.
type ConfigError struct {
	Client  string // "chronicle", "qradar"
	Field   string // the Config field: "BaseURL", "Token", ...
	Problem string // what is wrong, without the field: `"x" must use https`
}

func (e *ConfigError) Error() string { return e.Client + ": Config." + e.Field + " " + e.Problem }

// Redact replaces the token in s with mask: the exact value, and the value
// as URL query or path escaping writes it (a token holding '/', '+' or '='
// shows encoded in a URL), hex digits in either case. An occurrence counts
// only as a whole word, not next to a letter or digit, so a short token
// does not mangle unrelated text ("1" in "HTTP 401").
func Redact(s, token, mask string) string {
	if token == "" {
		return s
	}
	for _, form := range forms(token) {
		s = replaceWord(s, form, mask)
	}
	return s
}

// forms lists the spellings of token, longest first, so an encoded form
// is replaced before the raw value it may contain.
func forms(token string) []string {
	set := map[string]bool{token: true}
	for _, f := range []string{url.QueryEscape(token), url.PathEscape(token)} {
		set[f] = true
		set[lowerHex(f)] = true
	}
	var out []string
	for f := range set {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i]) != len(out[j]) {
			return len(out[i]) > len(out[j])
		}
		return out[i] < out[j]
	})
	return out
}

// lowerHex lower-cases the hex digits of %XX escapes.
func lowerHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = lower(b[i+1]), lower(b[i+2])
		}
	}
	return string(b)
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}

// replaceWord replaces each occurrence of word in s that has no letter or
// digit right before or after it.
func replaceWord(s, word, mask string) string {
	var b strings.Builder
	from := 0
	for {
		i := strings.Index(s[from:], word)
		if i < 0 {
			b.WriteString(s[from:])
			return b.String()
		}
		start, end := from+i, from+i+len(word)
		if alnum(utf8.DecodeLastRuneInString(s[:start])) || alnum(utf8.DecodeRuneInString(s[end:])) {
			// Part of a longer word: keep this occurrence, look further.
			_, size := utf8.DecodeRuneInString(s[start:])
			b.WriteString(s[from : start+size])
			from = start + size
			continue
		}
		b.WriteString(s[from:start])
		b.WriteString(mask)
		from = end
	}
}

func alnum(r rune, size int) bool {
	return size > 0 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}
