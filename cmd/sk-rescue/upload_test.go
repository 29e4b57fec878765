package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPasswordSources(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pw")
	os.WriteFile(file, []byte("from-file\nsecond line\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	tests := []struct {
		env, file, want string
		wantErr         bool
	}{
		{env: "from-env", file: file, want: "from-env"},
		{file: file, want: "from-file"},
		{file: empty, wantErr: true},
		{file: filepath.Join(dir, "missing"), wantErr: true},
		{wantErr: true}, // stdin is not a terminal: no prompt, a clear error
	}
	for _, tt := range tests {
		e := &env{stdin: strings.NewReader(""), stderr: &bytes.Buffer{},
			getenv: func(k string) string {
				if k == passwordEnv {
					return tt.env
				}
				return ""
			}}
		got, err := e.password(tt.file)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("password(env %q, file %q) = %q, %v", tt.env, tt.file, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), passwordEnv) && tt.file == "" {
			t.Errorf("error does not say how to give a password: %v", err)
		}
	}
}

// TestUploadNeverPrintsPassword runs upload against a server that refuses
// the credentials and checks the password is in none of the output.
func TestUploadNeverPrintsPassword(t *testing.T) {
	const secret = "Sup3r-Secret-pw"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	}))
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "rescued")
	if code, _, stderr := runCLI(t, "export", "--contacts", "--device", "sim:sidekick?contacts=3&events=0&todos=0&photos=0", "--out", out); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	t.Setenv(passwordEnv, secret)
	for _, server := range []string{srv.URL, strings.Replace(srv.URL, "http://", "http://jane:"+secret+"@", 1)} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"upload", out, "--server", server, "--user", "jane", "--json"},
			strings.NewReader(""), &stdout, &stderr)
		if code == 0 {
			t.Errorf("upload to a server refusing the password exited 0")
		}
		all := stdout.String() + stderr.String()
		if strings.Contains(all, secret) {
			t.Errorf("the password appears in the output:\n%s", all)
		}
		for _, f := range []string{"upload-journal.json", "manifest.json"} {
			if b, err := os.ReadFile(filepath.Join(out, f)); err == nil && bytes.Contains(b, []byte(secret)) {
				t.Errorf("the password appears in %s", f)
			}
		}
	}
}
