package device

// Optional abilities. A Handset (or, for Incompleter, the reader its Open
// returns) may implement any of these; consumers find them by type
// assertion and do without when they are missing. Each is declared here,
// once, so that a driver can assert it at compile time
// (var _ device.Warner = (*Handset)(nil)) and no consumer keeps a private
// copy that a driver could drift away from.
//
// BatteryReader (device.go) is the first of them.

// Warner is implemented by handsets that have something to tell the user
// about a session that still succeeded: a phonebook that reports more
// entries than it gave ("SM: phone reports 50 used, read 48"), replies the
// driver tolerated (an MTP data header that disagreed with the object's
// size), entries a folder walk skipped. The export summary shows them.
type Warner interface {
	// Warnings returns the messages so far, oldest first, without a package
	// prefix: they are read by a person. It is safe to call after Close.
	Warnings() []string
}

// Incompleter is implemented by a reader returned by Handset.Open whose
// object the handset stopped sending partway in a way the driver could
// recover from: the bytes read are what the phone really holds, but not all
// of it (an AT phonebook read whose last slots the modem refused). The
// reader ends with io.EOF; Incomplete, asked after that, says why the rest
// is missing, and the caller keeps the bytes marked partial.
//
// A reader that simply lost the handset must not use this: it returns an
// error from Read instead, and never short data with a nil error.
type Incompleter interface {
	// Incomplete returns nil when the object was read whole, else why not.
	Incomplete() error
}
