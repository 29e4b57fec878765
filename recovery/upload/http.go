package upload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// client sends every request of a run: it adds authentication and the
// User-Agent, bounds each attempt by a timeout, retries what is worth
// retrying with capped exponential back-off, and counts. go-webdav gets it
// as its webdav.HTTPClient, so discovery shares the same auth, retries and
// counters.
type client struct {
	hc        *http.Client
	user      string
	password  string
	userAgent string
	timeout   time.Duration
	retries   int
	base, max time.Duration

	mu       sync.Mutex
	total    int
	byMethod map[string]int
	retried  int
	// bootCache holds discovery replies by URL.
	bootCache map[string]bootEntry
	// sleep is time.Sleep honouring ctx; tests may replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

func newClient(opts *Options) *client {
	var hc http.Client
	if opts.HTTPClient != nil {
		hc = *opts.HTTPClient
	}
	// Redirects are ours to follow: net/http turns a redirected PROPFIND
	// into a GET (and would carry the body nowhere).
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &client{
		hc:        &hc,
		user:      opts.User,
		password:  opts.Password,
		userAgent: opts.UserAgent,
		timeout:   opts.Timeout,
		retries:   opts.Retries,
		base:      opts.RetryBase,
		max:       opts.RetryMax,
		byMethod:  map[string]int{},
		sleep:     sleepCtx,
	}
	if c.userAgent == "" {
		c.userAgent = "sk-rescue"
	}
	if c.timeout <= 0 {
		c.timeout = 60 * time.Second
	}
	if c.retries == 0 {
		c.retries = 6
	} else if c.retries < 0 {
		c.retries = 0
	}
	if c.base <= 0 {
		c.base = 500 * time.Millisecond
	}
	if c.max <= 0 {
		c.max = 30 * time.Second
	}
	return c
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *client) requests() Requests {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := make(map[string]int, len(c.byMethod))
	for k, v := range c.byMethod {
		m[k] = v
	}
	return Requests{Total: c.total, ByMethod: m, Retries: c.retried}
}

func (c *client) count(method string, retry bool) {
	c.mu.Lock()
	c.total++
	c.byMethod[method]++
	if retry {
		c.retried++
	}
	c.mu.Unlock()
}

// Do implements webdav.HTTPClient: one logical request, retried. The
// request's body must be replayable (GetBody set, as http.NewRequest does for
// bytes and strings readers) or absent.
func (c *client) Do(req *http.Request) (*http.Response, error) {
	resp, _, err := c.send(req, maxBuffer)
	return resp, err
}

// maxBuffer bounds a reply read whole by send.
const maxBuffer = 64 << 20

// do sends req, retrying 5xx, 429, timeouts and broken connections. It
// returns the last response (any status that is not retried, or the last
// retried one when attempts run out) and the number of attempts made. The
// returned error never holds the password.
func (c *client) do(req *http.Request) (*http.Response, int, error) {
	return c.send(req, maxBuffer)
}

// send is do; with buffer > 0 the reply's body is read whole (up to buffer
// bytes) inside the retry loop, so a connection cut mid-reply is retried
// like one cut before it. With buffer 0 the body streams and the caller
// handles read errors.
func (c *client) send(req *http.Request, buffer int64) (*http.Response, int, error) {
	ctx := req.Context()
	var lastErr error
	for attempt := 0; ; attempt++ {
		if attempt > 0 && req.Body != nil && req.GetBody == nil {
			return nil, attempt, c.scrub(fmt.Errorf("upload: %s %s: cannot repeat the request body: %w", req.Method, redactURL(req.URL), lastErr))
		}
		r := req.Clone(ctx)
		if req.Body != nil && attempt > 0 {
			b, err := req.GetBody()
			if err != nil {
				return nil, attempt, c.scrub(err)
			}
			r.Body = b
		}
		if c.user != "" || c.password != "" {
			r.SetBasicAuth(c.user, c.password)
		}
		r.Header.Set("User-Agent", c.userAgent)
		actx, cancel := context.WithTimeout(ctx, c.timeout)
		r = r.WithContext(actx)
		c.count(r.Method, attempt > 0)
		resp, err := c.hc.Do(r)
		var wait time.Duration
		switch {
		case err != nil:
			cancel()
			if ctx.Err() != nil {
				return nil, attempt + 1, ctx.Err()
			}
			if !retryableErr(err) {
				return nil, attempt + 1, c.scrub(fmt.Errorf("upload: %s %s: %w", req.Method, redactURL(req.URL), err))
			}
			lastErr = err
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented && resp.StatusCode != http.StatusInsufficientStorage:
			wait = retryAfter(resp.Header.Get("Retry-After"), time.Now())
			lastErr = fmt.Errorf("%s", resp.Status)
			if attempt >= c.retries {
				resp.Body = &cancelBody{resp.Body, cancel}
				return resp, attempt + 1, nil
			}
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			cancel()
		default:
			if buffer <= 0 {
				resp.Body = &cancelBody{resp.Body, cancel}
				return resp, attempt + 1, nil
			}
			b, rerr := io.ReadAll(io.LimitReader(resp.Body, buffer))
			resp.Body.Close()
			cancel()
			if rerr == nil {
				resp.Body = io.NopCloser(bytes.NewReader(b))
				return resp, attempt + 1, nil
			}
			if ctx.Err() != nil {
				return nil, attempt + 1, ctx.Err()
			}
			lastErr = rerr
		}
		if attempt >= c.retries {
			return nil, attempt + 1, c.scrub(fmt.Errorf("upload: %s %s: gave up after %d attempts: %w", req.Method, redactURL(req.URL), attempt+1, lastErr))
		}
		d := c.backoff(attempt)
		if wait > d {
			d = wait
		}
		if d > c.max {
			d = c.max
		}
		if err := c.sleep(ctx, d); err != nil {
			return nil, attempt + 1, err
		}
	}
}

// backoff is base·2^attempt with ±25 % jitter, capped at max.
func (c *client) backoff(attempt int) time.Duration {
	d := c.base << min(attempt, 20)
	if d > c.max || d <= 0 {
		d = c.max
	}
	j := time.Duration(rand.Int64N(int64(d)/2+1)) - d/4
	return d + j
}

// retryAfter parses a Retry-After header: delta seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// retryableErr reports whether a transport error is worth another attempt:
// timeouts, refused or reset connections, a connection closed mid-reply.
func retryableErr(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// Certificates, bad URLs: not retryable. Anything else from the
		// transport (server closed the connection, …) is.
		s := ue.Err.Error()
		if strings.Contains(s, "certificate") || strings.Contains(s, "unsupported protocol") {
			return false
		}
		return true
	}
	return false
}

// cancelBody releases the attempt's timeout when the body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// scrub removes the password (raw and URL-escaped) from err's text.
func (c *client) scrub(err error) error {
	return scrubErr(err, c.password)
}

func scrubErr(err error, secret string) error {
	if err == nil || secret == "" {
		return err
	}
	s := err.Error()
	t := scrubString(s, secret)
	if s == t {
		return err
	}
	return &scrubbed{msg: t, err: err}
}

func scrubString(s, secret string) string {
	if secret == "" {
		return s
	}
	for _, v := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), (&url.URL{User: url.UserPassword("x", secret)}).String()[len("//x:"):]} {
		v = strings.TrimSuffix(v, "@")
		if v != "" {
			s = strings.ReplaceAll(s, v, "REDACTED")
		}
	}
	return s
}

// scrubbed is an error whose text had the password taken out; errors.Is and
// errors.As still see the original chain.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// redactURL prints u without user information.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	v := *u
	v.User = nil
	return v.String()
}
