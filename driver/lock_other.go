//go:build !unix

package driver

import "os"

// flock is a no-op where flock(2) does not exist: runs are not serialized.
func flock(*os.File, bool) error { return nil }
