package upload

import (
	"errors"
	"net/http"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/recovery"
)

// Stages of an upload, reported in recovery.Event.Stage.
const (
	StageDiscover recovery.Stage = "discover" // finding the principal, home sets and collections
	StageUpload   recovery.Stage = "upload"   // sending items
	StageVerify   recovery.Stage = "verify"   // listing the collections and checking every item
)

// Sentinel errors. Run wraps them with what happened; the command line maps
// them to advice and exit code 1.
var (
	// ErrInsecure: a plain http:// URL to a host that is not loopback,
	// without Options.InsecureHTTP.
	ErrInsecure = errors.New("upload: refusing to send credentials over plain http to a non-loopback host (use https, or --insecure-http)")
	// ErrAuth: the server refused the user name and password (401/403 on
	// discovery).
	ErrAuth = errors.New("upload: the server refused the user name or password")
	// ErrNotDAV: the server does not speak CardDAV/CalDAV/WebDAV where asked.
	ErrNotDAV = errors.New("upload: the server does not offer what is needed")
	// ErrNoCollection: no collection could be found or created for a kind.
	ErrNoCollection = errors.New("upload: no collection to upload into")
	// ErrExport: the export folder or its manifest cannot be read.
	ErrExport = errors.New("upload: cannot read the export folder")
)

// Options configure Run. The zero value of every field but Server (or
// PhotosURL, for photos only) is a sensible default.
type Options struct {
	// Server is the CardDAV/CalDAV server: a URL ("https://dav.example.com",
	// "https://cloud.example.com/remote.php/dav/") or a bare domain (then
	// DNS SRV/TXT as RFC 6764 says, else https://domain). User information
	// in the URL is used as User/Password and then dropped.
	Server string
	// User and Password authenticate with HTTP Basic. Password is never
	// logged, printed, journaled or put in an error.
	User, Password string
	// Addressbook, Calendar and Tasks name the collections to use: a
	// display name or the last path segment. Empty means one named after
	// the rescue ("sk-rescue-<model>-<serial>"), created when missing;
	// "default" means the server's existing one. Tasks, when empty, is the
	// calendar when it accepts VTODO, else a task list next to it.
	Addressbook, Calendar, Tasks string
	// PhotosURL is the WebDAV folder photos go to, keeping the export's
	// folder tree below it. Empty: photos are not uploaded (and reported
	// as skipped).
	PhotosURL string
	// PhotosUser and PhotosPassword authenticate with the photos server
	// when it wants other credentials than the DAV server; empty means
	// User and Password. PhotosPassword is treated like Password.
	PhotosUser, PhotosPassword string
	// Only limits the kinds uploaded (contact, event, todo, photo). Empty:
	// all four.
	Only []device.Kind
	// Jobs is the number of PUTs in flight per collection. 0 means 2.
	Jobs int
	// DryRun discovers and lists but writes nothing: no MKCOL, no PUT, no
	// journal. The summary says what would be created and uploaded.
	DryRun bool
	// Overwrite replaces server copies that differ from the export, with
	// If-Match on the ETag seen.
	Overwrite bool
	// InsecureHTTP allows http:// to hosts other than loopback.
	InsecureHTTP bool
	// HTTPClient sends every request. Nil means a client with the default
	// transport (certificates verified). Its CheckRedirect is replaced:
	// redirects are followed by Run where the protocol allows.
	HTTPClient *http.Client
	// Timeout bounds one request attempt (connect to end of body). 0 means
	// 60 s.
	Timeout time.Duration
	// Retries is how often a failed request is repeated (5xx, 429,
	// timeout, cut connection). 0 means 6; negative means none.
	Retries int
	// RetryBase and RetryMax bound the exponential back-off between
	// attempts; a Retry-After longer than RetryMax is cut to RetryMax.
	// 0 means 500 ms and 30 s.
	RetryBase, RetryMax time.Duration
	// UserAgent is sent with every request. Empty: "sk-rescue".
	UserAgent string
	// Journal is the journal's path. Empty: DIR/upload-journal.json.
	Journal string
}

// Item statuses in a Summary.
const (
	StatusUploaded    = "uploaded"      // sent and stored
	StatusThere       = "already_there" // the server holds identical bytes (journal or comparison)
	StatusDifferent   = "different"     // the server holds something else under that name or UID
	StatusOverwritten = "overwritten"   // replaced a different server copy (Options.Overwrite)
	StatusFailed      = "failed"        // not stored; Reason says why
	StatusSkipped     = "skipped"       // not attempted (no collection, no photos URL, bad export file)
	StatusWouldUpload = "would_upload"  // dry run: would be sent
)

// Summary is what Run did, for people and for --json.
type Summary struct {
	// Server is the server URL without credentials.
	Server    string `json:"server,omitempty"`
	PhotosURL string `json:"photos_url,omitempty"`
	DryRun    bool   `json:"dry_run"`
	// Items counts every item considered.
	Items        int `json:"items"`
	Uploaded     int `json:"uploaded"`
	AlreadyThere int `json:"already_there"`
	Different    int `json:"different"`
	Overwritten  int `json:"overwritten"`
	Failed       int `json:"failed"`
	Skipped      int `json:"skipped"`
	WouldUpload  int `json:"would_upload,omitempty"`
	// Scaled counts contacts sent with their inline photo scaled down.
	Scaled int `json:"scaled,omitempty"`
	// Kinds breaks the counts down per kind.
	Kinds map[device.Kind]*KindCounts `json:"kinds"`
	// Problems lists every item that is not uploaded or already there,
	// and every item that was changed on the way (scaled photo), with the
	// reason.
	Problems []ItemResult `json:"problems"`
	// Collections are the collections used, and whether Run created them.
	Collections []Collection `json:"collections"`
	// Notes are things the user should read: a collection that could not
	// be created, to-dos that have nowhere to go.
	Notes    []string `json:"notes,omitempty"`
	Requests Requests `json:"requests"`
	Verify   *Verify  `json:"verify,omitempty"`
	Elapsed  float64  `json:"elapsed_seconds"`
}

// KindCounts are a Summary's counts for one kind.
type KindCounts struct {
	Items        int `json:"items"`
	Uploaded     int `json:"uploaded"`
	AlreadyThere int `json:"already_there"`
	Different    int `json:"different"`
	Overwritten  int `json:"overwritten"`
	Failed       int `json:"failed"`
	Skipped      int `json:"skipped"`
	WouldUpload  int `json:"would_upload,omitempty"`
}

// ItemResult is one item's outcome.
type ItemResult struct {
	Path   string      `json:"path"` // in the export folder
	Kind   device.Kind `json:"kind"`
	UID    string      `json:"uid,omitempty"`
	Href   string      `json:"href,omitempty"` // URL on the server, without credentials
	Status string      `json:"status"`
	Reason string      `json:"reason,omitempty"`
	Scaled bool        `json:"scaled,omitempty"`
}

// Collection is one collection an upload used.
type Collection struct {
	Kinds   []device.Kind `json:"kinds"`
	URL     string        `json:"url"`
	Name    string        `json:"name,omitempty"`
	Created bool          `json:"created"`
	// WouldCreate is set on a dry run for a collection Run would create.
	WouldCreate bool `json:"would_create,omitempty"`
}

// Requests counts HTTP requests sent, retries included.
type Requests struct {
	Total    int            `json:"total"`
	ByMethod map[string]int `json:"by_method"`
	Retries  int            `json:"retries"`
}

// Verify is the result of listing the server after the upload.
type Verify struct {
	OK bool `json:"ok"`
	// Checked is how many items were looked for; Present how many were
	// found with the expected ETag (or size, for photos).
	Checked int `json:"checked"`
	Present int `json:"present"`
	// Missing and Mismatched list export paths.
	Missing    []string `json:"missing,omitempty"`
	Mismatched []string `json:"mismatched,omitempty"`
	// OnServer counts the resources in each collection used, by URL.
	OnServer map[string]int `json:"on_server"`
}

// Clean reports whether every item is on the server and verified: the
// command line's exit code 0. Otherwise it exits 2 (1 is for errors Run
// returns).
func (s *Summary) Clean() bool {
	if s.Failed > 0 || s.Different > 0 || s.Skipped > 0 {
		return false
	}
	if s.DryRun {
		return true
	}
	return s.Verify != nil && s.Verify.OK
}
