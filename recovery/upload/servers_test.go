package upload

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Real DAV servers for the tests, each started on a free loopback port with
// storage under t.TempDir(), stopped by t.Cleanup. A missing binary skips
// the test with the command that installs it, except in CI (env CI set),
// where it fails: CI runs testdata/install-servers.sh first.

const (
	testUser     = "rescuer"
	testPassword = "s3cr3t-Pa55+w/ord%20"
)

type davServer struct {
	URL      string // http://127.0.0.1:port/
	User     string
	Password string
	// CardHome and CalHome are the home-set paths the tests count in.
	CardHome, CalHome string
	log               *bytes.Buffer
}

func needBinary(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	msg := fmt.Sprintf("%s not installed: run recovery/upload/testdata/install-servers.sh (apt-get install -y %s)", name, pkg)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncBuffer is a bytes.Buffer safe for a process's stdout and stderr.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startProcess runs cmd in its own process group, waits until addr
// accepts connections, and stops the group on cleanup.
func startProcess(t testing.TB, cmd *exec.Cmd, addr string) *syncBuffer {
	t.Helper()
	out := &syncBuffer{}
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return out
		}
		select {
		case <-done:
			t.Fatalf("%s exited before listening:\n%s", cmd.Path, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not listening on %s after 20 s:\n%s", cmd.Path, addr, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startRadicale runs Radicale 3 with htpasswd (plain) auth for testUser.
func startRadicale(t testing.TB) *davServer {
	t.Helper()
	bin := needBinary(t, "radicale", "radicale")
	dir := t.TempDir()
	port := freePort(t)
	users := filepath.Join(dir, "users")
	if err := os.WriteFile(users, []byte(testUser+":"+testPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`[server]
hosts = 127.0.0.1:%d
[auth]
type = htpasswd
htpasswd_filename = %s
htpasswd_encryption = plain
delay = 0
[rights]
type = owner_only
[storage]
filesystem_folder = %s
[logging]
level = warning
`, port, users, filepath.Join(dir, "collections"))
	cf := filepath.Join(dir, "config")
	if err := os.WriteFile(cf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	startProcess(t, exec.Command(bin, "-C", cf), addr)
	return &davServer{URL: "http://" + addr + "/", User: testUser, Password: testPassword,
		CardHome: "/" + testUser + "/", CalHome: "/" + testUser + "/"}
}

// startXandikos runs Xandikos (no authentication of its own) with its
// default address book and calendar.
func startXandikos(t testing.TB) *davServer {
	t.Helper()
	bin := needBinary(t, "xandikos", "xandikos")
	dir := t.TempDir()
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	startProcess(t, exec.Command(bin, "-d", dir, "--defaults", "-l", "127.0.0.1", "-p", fmt.Sprint(port)), addr)
	return &davServer{URL: "http://" + addr + "/", CardHome: "/user/contacts/", CalHome: "/user/calendars/"}
}

// webdavServer is an Apache mod_dav folder for photos.
type webdavServer struct {
	URL      string // the photos folder: http://127.0.0.1:port/photos/
	Root     string // its files on disk
	User     string
	Password string
}

// startApache runs Apache 2.4 with mod_dav on /photos/, Basic auth, with a
// private ServerRoot and PidFile, in the foreground.
func startApache(t testing.TB) *webdavServer {
	t.Helper()
	bin := needBinary(t, "apache2", "apache2 apache2-utils")
	mods := "/usr/lib/apache2/modules"
	if _, err := os.Stat(filepath.Join(mods, "mod_dav_fs.so")); err != nil {
		t.Skipf("apache2 without mod_dav_fs in %s", mods)
	}
	dir := t.TempDir()
	port := freePort(t)
	for _, d := range []string{"htdocs/photos", "run", "logs"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// crypt-free Basic auth file: Apache accepts plain text passwords
	// only on Windows, so use its SHA1 form ({SHA}base64(sha1)).
	users := filepath.Join(dir, "users")
	if err := os.WriteFile(users, []byte(testUser+":"+shaPasswd(testPassword)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	userLines := ""
	if os.Geteuid() == 0 {
		// Workers run as www-data: let them reach the tree.
		for p := dir; p != "/" && p != "."; p = filepath.Dir(p) {
			if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o005 != 0o005 {
				os.Chmod(p, fi.Mode().Perm()|0o005)
			}
		}
		for _, d := range []string{"htdocs", "htdocs/photos", "run", "logs"} {
			os.Chown(filepath.Join(dir, d), 33, 33)
		}
		userLines = "User www-data\nGroup www-data\n"
	}
	conf := fmt.Sprintf(`ServerRoot %q
ServerName 127.0.0.1
Listen 127.0.0.1:%d
LoadModule mpm_event_module %[3]s/mod_mpm_event.so
LoadModule authz_core_module %[3]s/mod_authz_core.so
LoadModule authn_core_module %[3]s/mod_authn_core.so
LoadModule authn_file_module %[3]s/mod_authn_file.so
LoadModule authz_user_module %[3]s/mod_authz_user.so
LoadModule auth_basic_module %[3]s/mod_auth_basic.so
LoadModule dav_module %[3]s/mod_dav.so
LoadModule dav_fs_module %[3]s/mod_dav_fs.so
LoadModule dav_lock_module %[3]s/mod_dav_lock.so
%[4]sPidFile run/httpd.pid
ErrorLog logs/error.log
DocumentRoot "%[1]s/htdocs"
DavLockDB run/DavLock
<Directory "%[1]s/htdocs/photos">
  Dav On
  AuthType Basic
  AuthName "photos"
  AuthBasicProvider file
  AuthUserFile %[5]s
  Require valid-user
</Directory>
`, dir, port, mods, userLines, users)
	cf := filepath.Join(dir, "httpd.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	out := startProcess(t, exec.Command(bin, "-f", cf, "-D", "FOREGROUND"), addr)
	_ = out
	return &webdavServer{URL: "http://" + addr + "/photos/", Root: filepath.Join(dir, "htdocs", "photos"), User: testUser, Password: testPassword}
}

// davClient is what the tests use to look at a server, independently of
// the package's own listing code paths where that matters.
type davClient struct {
	t          testing.TB
	user, pass string
}

func (d davClient) do(method, u, depth, body string) (*http.Response, []byte) {
	d.t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, u, strings.NewReader(body))
	if err != nil {
		d.t.Fatal(err)
	}
	if depth != "" {
		req.Header.Set("Depth", depth)
	}
	if body != "" {
		ct := "application/xml; charset=utf-8"
		if strings.Contains(body, "BEGIN:VCARD") {
			ct = "text/vcard; charset=utf-8"
		} else if strings.Contains(body, "BEGIN:VCALENDAR") {
			ct = "text/calendar; charset=utf-8"
		}
		req.Header.Set("Content-Type", ct)
	}
	if d.user != "" {
		req.SetBasicAuth(d.user, d.pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp, b.Bytes()
}
