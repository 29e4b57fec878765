package upload

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/sk-rescue/sk-rescue/device"
)

// uploadPhotos puts the photos below opts.PhotosURL, keeping the export's
// tree under photos/: one PROPFIND per folder, MKCOL (with a trailing
// slash) for the folders missing, then one streamed PUT per photo that is
// not there yet.
func (r *run) uploadPhotos(ctx context.Context, items []*item) error {
	base := r.photos
	folders := map[string]bool{"": true}
	for _, it := range items {
		rel := strings.TrimPrefix(it.out.Path, "photos/")
		it.href = joinURL(base, rel, false)
		it.res.Href = redactURL(it.href)
		dir := path.Dir(rel)
		for dir != "." && dir != "/" && dir != "" {
			folders[dir] = true
			dir = path.Dir(dir)
		}
	}
	names := make([]string, 0, len(folders))
	for f := range folders {
		names = append(names, f)
	}
	slices.Sort(names) // parents sort before their children
	listings := map[string]map[string]resource{}
	missing := map[string]bool{}
	for _, f := range names {
		parent := path.Dir(f)
		if parent == "." {
			parent = ""
		}
		if f != "" && missing[parent] {
			missing[f] = true
			continue
		}
		u := joinURL(base, f, true)
		l, err := r.pc.list(ctx, u)
		if err != nil {
			var se *statusError
			if errors.As(err, &se) && se.Code == http.StatusNotFound {
				missing[f] = true
				continue
			}
			if errors.As(err, &se) && (se.Code == http.StatusUnauthorized || se.Code == http.StatusForbidden) {
				return fmt.Errorf("%w (%s from %s)", ErrAuth, se.Status, redactURL(u))
			}
			return fmt.Errorf("upload: list %s: %w", redactURL(u), err)
		}
		listings[f] = l
	}
	col := Collection{Kinds: []device.Kind{device.KindPhoto}, URL: redactURL(base)}
	for _, f := range names {
		if !missing[f] {
			continue
		}
		u := joinURL(base, f, true)
		if f == "" {
			col.Created = !r.opts.DryRun
			col.WouldCreate = r.opts.DryRun
		}
		if r.opts.DryRun {
			listings[f] = map[string]resource{}
			continue
		}
		if _, err := r.pc.mkcol(ctx, u, "", "", nil); err != nil {
			return fmt.Errorf("upload: create folder %s: %w", redactURL(u), err)
		}
		listings[f] = map[string]resource{}
	}
	r.sum.Collections = append(r.sum.Collections, col)
	for _, it := range items {
		rel := strings.TrimPrefix(it.out.Path, "photos/")
		d := path.Dir(rel)
		if d == "." {
			d = ""
		}
		it.col = &collection{url: joinURL(base, d, true), listing: listings[d], kinds: []device.Kind{device.KindPhoto}}
	}
	return r.parallel(ctx, items, r.sendPhoto)
}

// hashFile streams a file through SHA-256.
func hashFile(open func() (*os.File, error)) (string, int64, error) {
	f, err := open()
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// sendPhoto uploads one photo, streamed from disk with its Content-Length.
func (r *run) sendPhoto(ctx context.Context, it *item) {
	sum, size, err := hashFile(it.open)
	if err != nil {
		r.finish(it, StatusFailed, "export file: "+err.Error())
		return
	}
	if it.out.SHA256 != "" && !strings.EqualFold(sum, it.out.SHA256) {
		r.finish(it, StatusFailed, "export file: the file does not match its sha256 in the manifest (changed since the export?)")
		return
	}
	it.out.Size = size
	entry := JournalEntry{Server: r.sum.PhotosURL, Path: it.out.Path, Kind: it.kind, SHA256: sum}
	key := it.res.Href
	existing, exists := it.col.listing[cleanPath(it.href.Path)]
	if exists {
		if je, ok := r.jl.get(key); ok && je.SHA256 == sum && etagEqual(je.ETag, existing.ETag) && (existing.Size < 0 || existing.Size == size) {
			it.etag = existing.ETag
			r.finish(it, StatusThere, "")
			return
		}
		r.comparePhoto(ctx, it, entry, sum, size, existing, false)
		return
	}
	if r.opts.DryRun {
		r.finish(it, StatusWouldUpload, "")
		return
	}
	r.putPhoto(ctx, it, entry, sum, size, "")
}

func (r *run) putPhoto(ctx context.Context, it *item, entry JournalEntry, sum string, size int64, ifMatch string) {
	open := func() (io.ReadCloser, error) { return it.open() }
	pr, err := r.pc.put(ctx, it.href, mimeFor(it.file), size, open, ifMatch)
	if err != nil {
		r.finish(it, StatusFailed, err.Error())
		return
	}
	switch {
	case pr.Code/100 == 2:
		st := StatusUploaded
		if ifMatch != "" {
			st = StatusOverwritten
		}
		r.stored(it, entry, nil, nil, pr.ETag, false, st, "")
	case pr.Code == http.StatusPreconditionFailed && ifMatch == "":
		r.comparePhoto(ctx, it, entry, sum, size, resource{Size: -1}, pr.Attempts > 1)
	default:
		r.finish(it, StatusFailed, pr.Err.Error())
	}
}

// comparePhoto fetches the server copy and compares its SHA-256 with ours,
// streaming.
func (r *run) comparePhoto(ctx context.Context, it *item, entry JournalEntry, sum string, size int64, existing resource, weSentIt bool) {
	same, etag, err := r.remoteHash(ctx, it.href, sum)
	if err != nil {
		r.finish(it, StatusFailed, "the name is taken on the server and reading it back failed: "+err.Error())
		return
	}
	if etag == "" {
		etag = existing.ETag
	}
	if same {
		st := StatusThere
		if weSentIt {
			st = StatusUploaded
		}
		r.stored(it, entry, nil, nil, etag, false, st, "")
		return
	}
	if r.mayReplace(it, etag) {
		r.putPhoto(ctx, it, entry, sum, size, etag)
	}
}

func (r *run) remoteHash(ctx context.Context, u *url.URL, want string) (same bool, etag string, err error) {
	for range 3 {
		same, etag, err = r.remoteHashOnce(ctx, u, want)
		if err == nil || !retryableErr(errors.Unwrap(err)) || ctx.Err() != nil {
			break
		}
	}
	return same, etag, err
}

func (r *run) remoteHashOnce(ctx context.Context, u *url.URL, want string) (bool, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return false, "", err
	}
	resp, _, err := r.pc.send(req, 0)
	if err != nil {
		return false, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, "", statusErr("GET", u, resp)
	}
	h := sha256.New()
	if _, err := io.Copy(h, resp.Body); err != nil {
		return false, "", r.pc.scrub(fmt.Errorf("upload: GET %s: %w", redactURL(u), err))
	}
	return hex.EncodeToString(h.Sum(nil)) == want, resp.Header.Get("ETag"), nil
}
