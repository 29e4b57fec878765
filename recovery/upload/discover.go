package upload

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/emersion/go-webdav/caldav"
	"github.com/emersion/go-webdav/carddav"
	"github.com/sk-rescue/sk-rescue/device"
)

// parseServer turns Options.Server into a URL without user information
// (returned separately). A bare domain goes through DNS SRV/TXT discovery
// (RFC 6764 §6 steps 2–3, go-webdav's DiscoverContextURL) and falls back to
// https://domain/.
func parseServer(ctx context.Context, s, service string) (*url.URL, *url.Userinfo, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil, fmt.Errorf("upload: no server URL given")
	}
	if !strings.Contains(s, "://") {
		var found string
		var err error
		if service == "carddav" {
			found, err = carddav.DiscoverContextURL(ctx, s)
		} else {
			found, err = caldav.DiscoverContextURL(ctx, s)
		}
		if err == nil && found != "" {
			s = found
		} else {
			s = "https://" + s + "/"
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		// url.Parse quotes the input, which may hold a password.
		return nil, nil, fmt.Errorf("upload: the server URL cannot be parsed")
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, nil, fmt.Errorf("upload: server URL %s: want http(s)://host/…", redactURL(u))
	}
	ui := u.User
	u.User = nil
	if u.Path == "" {
		u.Path = "/"
	}
	return u, ui, nil
}

// checkSecure refuses plain http to anything but loopback unless allowed.
func checkSecure(u *url.URL, insecureOK bool) error {
	if u.Scheme == "https" || insecureOK {
		return nil
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrInsecure, redactURL(u))
}

// homes are what discovery finds for one service.
type homes struct {
	context   *url.URL
	principal *url.URL
	home      *url.URL
}

// bootstrap PROPFINDs u (Depth 0) asking for current-user-principal and
// both home sets, following redirects by hand so the method and body
// survive (at most 5 hops). It returns the final URL and what it said.
func (c *client) bootstrap(ctx context.Context, u *url.URL) (*url.URL, *resource, error) {
	cur := u
	for hop := 0; hop <= 5; hop++ {
		if hop > 0 {
			c.mu.Lock()
			e, ok := c.bootCache[cur.String()]
			c.mu.Unlock()
			if ok {
				return e.final, e.res, nil
			}
		}
		req, err := http.NewRequestWithContext(ctx, "PROPFIND", cur.String(), strings.NewReader(propfindHomes))
		if err != nil {
			return nil, nil, err
		}
		req.Header.Set("Depth", "0")
		req.Header.Set("Content-Type", `application/xml; charset="utf-8"`)
		resp, _, err := c.do(req)
		if err != nil {
			return nil, nil, err
		}
		switch resp.StatusCode {
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			loc := resp.Header.Get("Location")
			resp.Body.Close()
			next, err := cur.Parse(loc)
			if err != nil || loc == "" {
				return nil, nil, fmt.Errorf("upload: PROPFIND %s: redirect to a bad location", redactURL(cur))
			}
			next.User = nil
			if cur.Scheme == "https" && next.Scheme != "https" {
				return nil, nil, fmt.Errorf("%w: %s redirects to %s", ErrInsecure, redactURL(cur), redactURL(next))
			}
			cur = next
			continue
		case http.StatusUnauthorized, http.StatusForbidden:
			resp.Body.Close()
			return nil, nil, fmt.Errorf("%w (%s from %s)", ErrAuth, resp.Status, redactURL(cur))
		}
		if resp.StatusCode != http.StatusMultiStatus {
			defer resp.Body.Close()
			return cur, nil, statusErr("PROPFIND", cur, resp)
		}
		rs, err := decodeMultistatus(cur, resp.Body, cur)
		resp.Body.Close()
		if err != nil {
			return nil, nil, err
		}
		if len(rs) == 0 {
			return cur, &resource{URL: cur}, nil
		}
		return cur, &rs[0], nil
	}
	return nil, nil, fmt.Errorf("upload: PROPFIND %s: too many redirects", redactURL(u))
}

// discover finds the home set of service ("carddav" or "caldav") as RFC
// 6764 §6 says: the given URL if it has a path, else .well-known, else the
// root; then current-user-principal; then the home set, whose host is kept
// (it may differ from the server's).
func (r *run) discover(ctx context.Context, service string) (*homes, error) {
	base := r.server
	var tries []*url.URL
	if base.Path == "/" || base.Path == "" {
		tries = append(tries, base.ResolveReference(&url.URL{Path: "/.well-known/" + service}))
	}
	tries = append(tries, base)
	var lastErr error
	for _, t := range tries {
		final, res, err := r.c.bootstrapOnce(ctx, t)
		if err != nil {
			if errors.Is(err, ErrAuth) || errors.Is(err, ErrInsecure) || ctx.Err() != nil {
				return nil, err
			}
			lastErr = err
			continue
		}
		h := &homes{context: final}
		home := res.CardHome
		if service == "caldav" {
			home = res.CalHome
		}
		h.principal = res.Principal
		if home == nil && res.Principal != nil {
			_, pres, err := r.c.bootstrapOnce(ctx, res.Principal)
			if err != nil {
				return nil, err
			}
			home = pres.CardHome
			if service == "caldav" {
				home = pres.CalHome
			}
		}
		if home == nil {
			lastErr = fmt.Errorf("%w: %s names no %s home set", ErrNotDAV, redactURL(final), service)
			continue
		}
		if err := checkSecure(home, r.opts.InsecureHTTP || home.Host == r.server.Host); err != nil {
			return nil, err
		}
		if !strings.HasSuffix(home.Path, "/") {
			home.Path += "/"
		}
		h.home = home
		return h, nil
	}
	return nil, lastErr
}

// bootstrapOnce wraps bootstrap, caching the reply per URL: CardDAV and
// CalDAV discovery often land on the same principal.
func (c *client) bootstrapOnce(ctx context.Context, u *url.URL) (*url.URL, *resource, error) {
	key := u.String()
	c.mu.Lock()
	if c.bootCache == nil {
		c.bootCache = map[string]bootEntry{}
	}
	e, ok := c.bootCache[key]
	c.mu.Unlock()
	if ok {
		return e.final, e.res, nil
	}
	final, res, err := c.bootstrap(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	if res == nil {
		return nil, nil, fmt.Errorf("%w: %s", ErrNotDAV, redactURL(u))
	}
	c.mu.Lock()
	c.bootCache[key] = bootEntry{final, res}
	c.bootCache[final.String()] = bootEntry{final, res}
	c.mu.Unlock()
	return final, res, nil
}

type bootEntry struct {
	final *url.URL
	res   *resource
}

// collection is a server collection items go to.
type collection struct {
	url     *url.URL
	name    string
	kinds   []device.Kind
	comps   []string // calendars: supported components, nil = any
	maxSize int64
	created bool
	would   bool // dry run: would be created
	// listing is the collection's members before the upload, by path.
	listing map[string]resource
}

func (c *collection) accepts(comp string) bool {
	return c.comps == nil || len(c.comps) == 0 || slices.Contains(c.comps, comp)
}

// findCollections lists the collections under home with go-webdav's
// FindAddressBooks/FindCalendars, on a client for the home set's own origin.
// When go-webdav cannot decode the reply, the lenient PROPFIND is used.
func (r *run) findCollections(ctx context.Context, service string, home *url.URL) ([]*collection, error) {
	origin := &url.URL{Scheme: home.Scheme, Host: home.Host, Path: "/"}
	var out []*collection
	var gwErr error
	switch service {
	case "carddav":
		cl, err := carddav.NewClient(r.c, origin.String())
		if err != nil {
			return nil, err
		}
		books, err := cl.FindAddressBooks(ctx, home.Path)
		gwErr = err
		for _, b := range books {
			u := origin.ResolveReference(&url.URL{Path: b.Path})
			out = append(out, &collection{url: u, name: b.Name, maxSize: b.MaxResourceSize})
		}
	case "caldav":
		cl, err := caldav.NewClient(r.c, origin.String())
		if err != nil {
			return nil, err
		}
		cals, err := cl.FindCalendars(ctx, home.Path)
		gwErr = err
		for _, cal := range cals {
			u := origin.ResolveReference(&url.URL{Path: cal.Path})
			var comps []string
			for _, c := range cal.SupportedComponentSet {
				comps = append(comps, strings.ToUpper(c))
			}
			out = append(out, &collection{url: u, name: cal.Name, maxSize: cal.MaxResourceSize, comps: comps})
		}
	}
	if gwErr == nil {
		return out, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	rs, err := r.c.propfind(ctx, home, "1", propfindCollections)
	if err != nil {
		return nil, scrubErr(err, r.opts.Password)
	}
	out = out[:0]
	for _, res := range rs {
		if service == "carddav" && !res.AddrBook || service == "caldav" && !res.Calendar {
			continue
		}
		out = append(out, &collection{url: res.URL, name: res.Name, maxSize: res.MaxSize, comps: res.Comps})
	}
	return out, nil
}

// lastSegment is the last path segment of u, unescaped.
func lastSegment(u *url.URL) string {
	return path.Base(cleanPath(u.Path))
}

// pickCollection chooses among existing collections: want "" means the
// rescue's own (by slug), "default" the server's default, anything else a
// display name or path segment. It returns nil when none matches.
func pickCollection(cols []*collection, want, slug string, ok func(*collection) bool) *collection {
	var cands []*collection
	for _, c := range cols {
		if ok == nil || ok(c) {
			cands = append(cands, c)
		}
	}
	switch want {
	case "":
		for _, c := range cands {
			if lastSegment(c.url) == slug {
				return c
			}
		}
		return nil
	case "default":
		for _, pref := range []string{"default", "contacts", "addressbook", "card", "calendar", "personal", "home", "tasks"} {
			for _, c := range cands {
				if strings.EqualFold(lastSegment(c.url), pref) {
					return c
				}
			}
		}
		if len(cands) > 0 {
			return cands[0]
		}
		return nil
	}
	for _, c := range cands {
		if c.name == want || lastSegment(c.url) == want {
			return c
		}
	}
	for _, c := range cands {
		if strings.EqualFold(c.name, want) || strings.EqualFold(lastSegment(c.url), want) {
			return c
		}
	}
	return nil
}

// slugify keeps [a-z0-9-] for a collection's path segment.
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimSuffix(b.String(), "-")
	if len(out) > 60 {
		out = strings.TrimSuffix(out[:60], "-")
	}
	return out
}

// cannotCreate reports whether err says the server does not let this user
// create collections there (as opposed to a network failure).
func cannotCreate(err error) bool {
	var se *statusError
	if errors.As(err, &se) {
		switch se.Code {
		case http.StatusForbidden, http.StatusMethodNotAllowed, http.StatusNotImplemented, http.StatusConflict, http.StatusUnsupportedMediaType, http.StatusBadRequest:
			return true
		}
	}
	return false
}
