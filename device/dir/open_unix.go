//go:build unix

package dir

import "syscall"

// oNonblock keeps open from waiting for a writer when a FIFO has replaced a
// file between the walk and the open; regular files ignore it.
const oNonblock = syscall.O_NONBLOCK
