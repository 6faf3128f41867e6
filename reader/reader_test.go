package reader

import "testing"

// TestEveryFormatSaysWhatItKeeps: package scan decodes only the catalog
// paths and the keys a format's reader declares; a new format must say
// which keys it reads (an empty list when it reads catalog paths only).
func TestEveryFormatSaysWhatItKeeps(t *testing.T) {
	for _, f := range Formats() {
		if _, ok := keeps[f]; !ok {
			t.Errorf("format %s: no entry in keeps", f)
		}
	}
}
