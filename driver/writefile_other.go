//go:build !unix

package driver

import (
	"io/fs"
	"os"
)

func writeFile(path string, data []byte, perm uint32) error {
	return os.WriteFile(path, data, fs.FileMode(perm))
}
