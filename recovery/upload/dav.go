package upload

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// The few WebDAV requests go-webdav v0.7.0 does not offer, as plain
// net/http through the run's client: PROPFIND that keeps hosts and tolerates
// weak ETags and per-resource errors, extended MKCOL, MKCALENDAR, raw PUT and
// GET.

const (
	nsDAV  = "DAV:"
	nsCard = "urn:ietf:params:xml:ns:carddav"
	nsCal  = "urn:ietf:params:xml:ns:caldav"
)

// msMultistatus is a multistatus body, decoded leniently: every property is
// kept as raw inner XML so one odd element cannot fail the whole listing.
type msMultistatus struct {
	XMLName   xml.Name     `xml:"DAV: multistatus"`
	Responses []msResponse `xml:"DAV: response"`
}

type msResponse struct {
	Hrefs    []string     `xml:"DAV: href"`
	Status   string       `xml:"DAV: status"`
	Propstat []msPropstat `xml:"DAV: propstat"`
}

type msPropstat struct {
	Status string `xml:"DAV: status"`
	Prop   msProp `xml:"DAV: prop"`
}

type msProp struct {
	ETag          *string  `xml:"DAV: getetag"`
	Length        *string  `xml:"DAV: getcontentlength"`
	ResourceType  *msRT    `xml:"DAV: resourcetype"`
	DisplayName   *string  `xml:"DAV: displayname"`
	Principal     *msHref  `xml:"DAV: current-user-principal"`
	CardHome      *msHref  `xml:"urn:ietf:params:xml:ns:carddav addressbook-home-set"`
	CalHome       *msHref  `xml:"urn:ietf:params:xml:ns:caldav calendar-home-set"`
	CompSet       *msComps `xml:"urn:ietf:params:xml:ns:caldav supported-calendar-component-set"`
	MaxResSizeCal *string  `xml:"urn:ietf:params:xml:ns:caldav max-resource-size"`
	MaxResSizeCrd *string  `xml:"urn:ietf:params:xml:ns:carddav max-resource-size"`
}

type msRT struct {
	Collection  *struct{} `xml:"DAV: collection"`
	AddressBook *struct{} `xml:"urn:ietf:params:xml:ns:carddav addressbook"`
	Calendar    *struct{} `xml:"urn:ietf:params:xml:ns:caldav calendar"`
}

type msHref struct {
	Hrefs []string `xml:"DAV: href"`
}

type msComps struct {
	Comps []struct {
		Name string `xml:"name,attr"`
	} `xml:"urn:ietf:params:xml:ns:caldav comp"`
}

// resource is one entry of a listing.
type resource struct {
	URL        *url.URL // absolute, without credentials
	ETag       string   // as sent, quotes and W/ kept
	Size       int64    // -1 when not given
	Collection bool
	AddrBook   bool
	Calendar   bool
	Name       string   // displayname
	Comps      []string // supported-calendar-component-set; nil when not given
	MaxSize    int64    // max-resource-size, 0 when not given
	Principal  *url.URL
	CardHome   *url.URL
	CalHome    *url.URL
}

func okStatus(s string) bool {
	// "HTTP/1.1 200 OK"
	f := strings.Fields(s)
	return len(f) >= 2 && strings.HasPrefix(f[1], "2")
}

// propfind sends PROPFIND with body to u and returns the resources with a
// 2xx propstat. Responses with an error status are skipped, not fatal (a
// server may fail one resource of many). The status of a non-207 reply is
// returned as *statusError.
func (c *client) propfind(ctx context.Context, u *url.URL, depth string, body string) ([]resource, error) {
	req, err := http.NewRequestWithContext(ctx, "PROPFIND", u.String(), strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Depth", depth)
	req.Header.Set("Content-Type", `application/xml; charset="utf-8"`)
	resp, _, err := c.do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusMultiStatus {
		return nil, statusErr("PROPFIND", u, resp)
	}
	return decodeMultistatus(resp.Request.URL, resp.Body, u)
}

// decodeMultistatus reads a multistatus body; hrefs resolve against base.
func decodeMultistatus(base *url.URL, rd io.Reader, u *url.URL) ([]resource, error) {
	var ms msMultistatus
	if err := xml.NewDecoder(rd).Decode(&ms); err != nil {
		return nil, fmt.Errorf("upload: PROPFIND %s: bad multistatus: %w", redactURL(u), err)
	}
	var out []resource
	for _, r := range ms.Responses {
		if len(r.Hrefs) == 0 {
			continue
		}
		if r.Status != "" && !okStatus(r.Status) {
			continue
		}
		href, err := base.Parse(strings.TrimSpace(r.Hrefs[0]))
		if err != nil {
			continue
		}
		href.User = nil
		res := resource{URL: href, Size: -1}
		for _, ps := range r.Propstat {
			if !okStatus(ps.Status) {
				continue
			}
			p := ps.Prop
			if p.ETag != nil {
				res.ETag = strings.TrimSpace(*p.ETag)
			}
			if p.Length != nil {
				if n, err := strconv.ParseInt(strings.TrimSpace(*p.Length), 10, 64); err == nil {
					res.Size = n
				}
			}
			if p.ResourceType != nil {
				res.Collection = p.ResourceType.Collection != nil
				res.AddrBook = p.ResourceType.AddressBook != nil
				res.Calendar = p.ResourceType.Calendar != nil
			}
			if p.DisplayName != nil {
				res.Name = strings.TrimSpace(*p.DisplayName)
			}
			if p.CompSet != nil {
				res.Comps = []string{}
				for _, c := range p.CompSet.Comps {
					res.Comps = append(res.Comps, strings.ToUpper(c.Name))
				}
			}
			for _, s := range []*string{p.MaxResSizeCal, p.MaxResSizeCrd} {
				if s != nil {
					if n, err := strconv.ParseInt(strings.TrimSpace(*s), 10, 64); err == nil && n > 0 {
						res.MaxSize = n
					}
				}
			}
			res.Principal = firstHref(base, p.Principal)
			res.CardHome = firstHref(base, p.CardHome)
			res.CalHome = firstHref(base, p.CalHome)
		}
		out = append(out, res)
	}
	return out, nil
}

func firstHref(base *url.URL, h *msHref) *url.URL {
	if h == nil {
		return nil
	}
	for _, s := range h.Hrefs {
		if u, err := base.Parse(strings.TrimSpace(s)); err == nil {
			u.User = nil
			return u
		}
	}
	return nil
}

const propfindList = `<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:getetag/><d:getcontentlength/></d:prop></d:propfind>`

const propfindCollections = `<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:cal="urn:ietf:params:xml:ns:caldav">
<d:prop><d:resourcetype/><d:displayname/><cal:supported-calendar-component-set/><cal:max-resource-size/><card:max-resource-size/></d:prop></d:propfind>`

const propfindHomes = `<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:cal="urn:ietf:params:xml:ns:caldav">
<d:prop><d:current-user-principal/><card:addressbook-home-set/><cal:calendar-home-set/></d:prop></d:propfind>`

// list returns the members of collection u (Depth 1), keyed by their
// unescaped path, without u itself.
func (c *client) list(ctx context.Context, u *url.URL) (map[string]resource, error) {
	rs, err := c.propfind(ctx, u, "1", propfindList)
	if err != nil {
		return nil, err
	}
	self := cleanPath(u.Path)
	m := make(map[string]resource, len(rs))
	for _, r := range rs {
		p := cleanPath(r.URL.Path)
		if p == self {
			continue
		}
		m[p] = r
	}
	return m, nil
}

// cleanPath is a path without its trailing slash, for comparing hrefs.
func cleanPath(p string) string {
	p = path.Clean("/" + p)
	return p
}

// statusError is a reply with a status Run did not expect.
type statusError struct {
	Method string
	URL    string
	Code   int
	Status string
	Body   string // start of the body, for the user
}

func (e *statusError) Error() string {
	s := fmt.Sprintf("upload: %s %s: %s", e.Method, e.URL, e.Status)
	if e.Body != "" {
		s += ": " + e.Body
	}
	return s
}

func statusErr(method string, u *url.URL, resp *http.Response) *statusError {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	body := strings.Join(strings.Fields(string(b)), " ")
	if len(body) > 200 {
		body = body[:200] + "…"
	}
	return &statusError{Method: method, URL: redactURL(u), Code: resp.StatusCode, Status: resp.Status, Body: body}
}

// mkcol creates collection u: an address book (kind "addressbook"), a
// calendar with the given components (kind "calendar", MKCALENDAR), or a
// plain folder (kind ""). An existing collection (405) is not an error: a
// retried MKCOL whose first attempt went through answers just that.
func (c *client) mkcol(ctx context.Context, u *url.URL, kind, displayName string, comps []string) (created bool, err error) {
	method := "MKCOL"
	var body string
	switch kind {
	case "addressbook":
		body = `<?xml version="1.0" encoding="utf-8"?>
<d:mkcol xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:set><d:prop>
<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype>
<d:displayname>` + xmlEscape(displayName) + `</d:displayname>
</d:prop></d:set></d:mkcol>`
	case "calendar":
		method = "MKCALENDAR"
		var cs strings.Builder
		for _, c := range comps {
			cs.WriteString(`<cal:comp name="` + xmlEscape(c) + `"/>`)
		}
		body = `<?xml version="1.0" encoding="utf-8"?>
<cal:mkcalendar xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav"><d:set><d:prop>
<d:displayname>` + xmlEscape(displayName) + `</d:displayname>
<cal:supported-calendar-component-set>` + cs.String() + `</cal:supported-calendar-component-set>
</d:prop></d:set></cal:mkcalendar>`
	}
	var rd io.Reader = http.NoBody
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return false, err
	}
	if body != "" {
		req.Header.Set("Content-Type", `application/xml; charset="utf-8"`)
	}
	resp, attempts, err := c.do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode/100 == 2:
		return true, nil
	case resp.StatusCode == http.StatusMethodNotAllowed && (attempts > 1 || kind == ""):
		// Exists already (our own earlier attempt, or a folder).
		return false, nil
	}
	return false, statusErr(method, u, resp)
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// putResult is the outcome of one PUT.
type putResult struct {
	Code     int
	ETag     string
	Attempts int
	Err      *statusError // for codes other than 2xx
}

// put sends body to u with Content-Length. ifMatch "" means If-None-Match: *
// (create only); else If-Match: ifMatch.
func (c *client) put(ctx context.Context, u *url.URL, contentType string, size int64, open func() (io.ReadCloser, error), ifMatch string) (putResult, error) {
	body, err := open()
	if err != nil {
		return putResult{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u.String(), body)
	if err != nil {
		body.Close()
		return putResult{}, err
	}
	req.ContentLength = size
	req.GetBody = open
	if size == 0 {
		req.Body = http.NoBody
	}
	req.Header.Set("Content-Type", contentType)
	if ifMatch == "" {
		req.Header.Set("If-None-Match", "*")
	} else {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, attempts, err := c.do(req)
	if err != nil {
		return putResult{Attempts: attempts}, err
	}
	defer resp.Body.Close()
	r := putResult{Code: resp.StatusCode, ETag: resp.Header.Get("ETag"), Attempts: attempts}
	if resp.StatusCode/100 != 2 {
		r.Err = statusErr("PUT", u, resp)
	} else {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	}
	return r, nil
}

// get fetches u whole (limited to max bytes) with its ETag.
func (c *client) get(ctx context.Context, u *url.URL, max int64) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", err
	}
	resp, _, err := c.do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", statusErr("GET", u, resp)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, "", c.scrub(fmt.Errorf("upload: GET %s: %w", redactURL(u), err))
	}
	if int64(len(b)) > max {
		return nil, "", fmt.Errorf("upload: GET %s: more than %d bytes", redactURL(u), max)
	}
	return b, resp.Header.Get("ETag"), nil
}

// etagEqual compares two ETags weakly (RFC 9110 §8.8.3.2): W/ and quotes
// do not matter. Empty never equals anything.
func etagEqual(a, b string) bool {
	a, b = etagOpaque(a), etagOpaque(b)
	return a != "" && a == b
}

func etagOpaque(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "W/")
	s = strings.TrimPrefix(s, "w/")
	return strings.Trim(s, `"`)
}

// joinURL resolves name (unescaped, may contain slashes) below collection
// base, escaping each segment.
func joinURL(base *url.URL, name string, dir bool) *url.URL {
	segs := strings.Split(strings.Trim(name, "/"), "/")
	p := strings.TrimSuffix(base.Path, "/")
	for _, s := range segs {
		if s == "" {
			continue
		}
		p += "/" + s
	}
	if dir {
		p += "/"
	}
	u := *base
	u.Path = p
	u.RawPath = ""
	u.User = nil
	return &u
}
