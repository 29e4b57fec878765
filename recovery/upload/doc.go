// Package upload puts a rescue back on a sync server: the contacts of an
// export folder go to a CardDAV address book (RFC 6352), events and to-dos to
// CalDAV calendars (RFC 4791), photos to a WebDAV folder (RFC 4918).
//
// Run reads the folder's manifest.json (recovery.Manifest) and uploads every
// per-item output of kind contact, event, todo and photo, exactly as exported
// (the sha256 in the manifest is checked before a byte is sent). It
//
//   - discovers the server as RFC 6764 says: .well-known/carddav|caldav with
//     redirects followed by hand (Go's client would turn a PROPFIND into a
//     GET), then current-user-principal and the home sets, keeping the host a
//     home set names (iCloud puts them on another host);
//   - picks the named collection, or one named after the rescue, creating it
//     with extended MKCOL (RFC 5689) or MKCALENDAR (RFC 4791 §5.3.1) when it
//     is missing; to-dos go to a collection that accepts VTODO;
//   - lists each collection once (PROPFIND Depth 1), then PUTs each missing
//     item with Content-Length and If-None-Match: * under a name made from
//     its UID. A 412 means the name is taken: the server copy is fetched and
//     compared; equal is "already there", different is reported (or
//     replaced with If-Match when Options.Overwrite is set). A 409
//     (duplicate UID) is reported per item; a 413 or a card over the
//     collection's max-resource-size is retried with its inline photo scaled
//     down;
//   - records what is on the server in a journal in the export folder
//     (upload-journal.json: href, ETag, item sha256, server URL without
//     credentials), so a rerun sends only what is missing;
//   - retries 5xx, 429 (honouring Retry-After), timeouts and cut connections
//     with capped exponential back-off; every request it sends is safe to
//     repeat (conditional PUTs, MKCOL that tolerates "exists");
//   - verifies at the end by listing every collection again and checking
//     each item's name and ETag (size for photos).
//
// go-webdav (github.com/emersion/go-webdav v0.7.0) does principal and
// collection discovery; the gaps it has (listed in ../../docs and in issue 5:
// .well-known redirects, conditional raw-bytes PUT, extended MKCOL and
// MKCALENDAR, cross-host home sets, weak ETags, per-item multistatus errors)
// are plain net/http requests through the same client and authentication.
//
// The password is never logged, printed, journaled or put in an error: every
// error leaving this package is scrubbed, and URLs are shown without
// credentials.
package upload
