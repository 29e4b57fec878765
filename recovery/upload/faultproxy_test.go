package upload

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"
)

// faultProxy is a reverse proxy in front of a real server that counts
// requests by method and, when Rate > 0, injects faults: 503 and 500
// without forwarding, 429 with Retry-After, 502 after the server did the
// work, a delay longer than the client's timeout (before or after
// forwarding), and a connection cut before forwarding or after the server
// answered. It is seeded, and bounded: at most MaxPerKey faults in a row
// for one method+path, so every request gets through eventually.
type faultProxy struct {
	URL       string
	target    *url.URL
	tr        *http.Transport
	Rate      float64
	Delay     time.Duration // the slow-reply fault's delay
	MaxPerKey int
	// TooLarge, when > 0, answers 413 to PUTs with a longer body.
	TooLarge int64

	mu      sync.Mutex
	rnd     *rand.Rand
	streak  map[string]int
	Methods map[string]int
	Faults  map[string]int
	srv     *httptest.Server
}

func newFaultProxy(t testing.TB, target string, seed uint64, rate float64) *faultProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{target: u, Rate: rate, Delay: 1500 * time.Millisecond, MaxPerKey: 3,
		rnd: rand.New(rand.NewPCG(seed, seed^0x5eed)), streak: map[string]int{}, Methods: map[string]int{}, Faults: map[string]int{},
		tr: &http.Transport{MaxIdleConnsPerHost: 16}}
	p.srv = httptest.NewServer(p)
	t.Cleanup(func() { p.srv.Close(); p.tr.CloseIdleConnections() })
	p.URL = p.srv.URL + "/"
	return p
}

func (p *faultProxy) count(m string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.Methods[m]
}

func (p *faultProxy) resetCounts() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.Methods = map[string]int{}
}

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	key := r.Method + " " + r.URL.Path
	p.mu.Lock()
	p.Methods[r.Method]++
	fault := ""
	if p.Rate > 0 && p.streak[key] < p.MaxPerKey && p.rnd.Float64() < p.Rate {
		fault = []string{"503", "500", "429", "502-after", "slow-before", "slow-after", "cut-before", "cut-after"}[p.rnd.IntN(8)]
		p.streak[key]++
		p.Faults[fault]++
	} else {
		p.streak[key] = 0
	}
	p.mu.Unlock()

	if p.TooLarge > 0 && r.Method == http.MethodPut && int64(len(body)) > p.TooLarge {
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return
	}
	switch fault {
	case "503":
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	case "500":
		http.Error(w, "oops", http.StatusInternalServerError)
		return
	case "429":
		w.Header().Set("Retry-After", "1")
		http.Error(w, "slow down", http.StatusTooManyRequests)
		return
	case "slow-before":
		time.Sleep(p.Delay)
		http.Error(w, "late", http.StatusGatewayTimeout)
		return
	case "cut-before":
		cut(w)
		return
	}
	resp, rb, err := p.forward(r, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	switch fault {
	case "502-after":
		http.Error(w, "bad gateway", http.StatusBadGateway)
		return
	case "slow-after":
		time.Sleep(p.Delay)
	case "cut-after":
		// Send the headers and half the body, then drop the connection.
		cutAfter(w, resp, rb)
		return
	}
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		if lu, err := url.Parse(loc); err == nil && lu.Host == p.target.Host {
			lu.Scheme, lu.Host = "http", r.Host
			w.Header().Set("Location", lu.String())
		}
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(rb)
}

func (p *faultProxy) forward(r *http.Request, body []byte) (*http.Response, []byte, error) {
	u := *p.target
	u.Path = r.URL.Path
	u.RawPath = r.URL.RawPath
	u.RawQuery = r.URL.RawQuery
	out, err := http.NewRequest(r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	out.Header = r.Header.Clone()
	out.ContentLength = int64(len(body))
	out.Host = p.target.Host
	resp, err := p.tr.RoundTrip(out)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	return resp, rb, err
}

func cut(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("no hijacker")
	}
	c, _, err := hj.Hijack()
	if err == nil {
		c.Close()
	}
}

func cutAfter(w http.ResponseWriter, resp *http.Response, body []byte) {
	hj := w.(http.Hijacker)
	c, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer c.Close()
	buf.WriteString("HTTP/1.1 " + resp.Status + "\r\n")
	resp.Header.Set("Content-Length", itoa(len(body)+10))
	resp.Header.Write(buf)
	buf.WriteString("\r\n")
	buf.Write(body[:len(body)/2])
	buf.Flush()
}

func itoa(n int) string {
	return string(appendInt(nil, n))
}

func appendInt(b []byte, n int) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}
