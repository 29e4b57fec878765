//go:build !unix

package dir

// oNonblock is unix-only; elsewhere the walk's type check is the guard.
const oNonblock = 0
