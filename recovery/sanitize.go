package recovery

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameBytes bounds one path component we write. Most filesystems allow
// 255 bytes; the margin leaves room for a collision suffix and a temp prefix.
const maxNameBytes = 180

// safeName turns an untrusted name from the handset into one path component
// that is safe on every common filesystem: no separators, no NUL or control
// characters, not "." or "..", no leading dot (hidden files, and our temp
// prefix), bounded in length. A name that had to change keeps a short hash of
// the original so two different hostile names cannot collide into one.
func safeName(s string) string {
	if s == "" {
		return "_"
	}
	var b strings.Builder
	changed := !utf8.ValidString(s)
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '/' || r == '\\' || r == 0 || unicode.IsControl(r):
			b.WriteByte('_')
			changed = true
		case strings.ContainsRune(`:*?"<>|`, r):
			// Forbidden on FAT/exFAT SD cards and Windows, where an
			// archive is often copied to.
			b.WriteByte('_')
			changed = true
		default:
			b.WriteRune(r)
		}
	}
	out := strings.TrimRight(b.String(), " .")
	if out != b.String() {
		changed = true
	}
	for strings.HasPrefix(out, ".") {
		out = "_" + out[1:]
		changed = true
	}
	if out == "" {
		out = "_"
		changed = true
	}
	if len(out) > maxNameBytes {
		changed = true
		ext := path.Ext(out)
		if len(ext) > 16 || !utf8.ValidString(ext) {
			ext = ""
		}
		out = truncateUTF8(out[:len(out)-len(ext)], maxNameBytes-len(ext)-9) + ext
	}
	if changed {
		sum := sha256.Sum256([]byte(s))
		tag := "~" + hex.EncodeToString(sum[:4])
		ext := path.Ext(out)
		if len(ext) > 16 {
			ext = ""
		}
		base := strings.TrimSuffix(out, ext)
		if len(base)+len(tag)+len(ext) > maxNameBytes {
			base = truncateUTF8(base, maxNameBytes-len(tag)-len(ext))
		}
		out = base + tag + ext
	}
	return out
}

// safeFolder turns an untrusted slash-separated folder from the handset into
// a relative path of safe components. "..", "." and empty components are
// dropped, so "/../../etc" becomes "etc" and cannot climb out.
func safeFolder(folder string, maxDepth int) string {
	var parts []string
	for _, p := range strings.Split(strings.ReplaceAll(folder, "\\", "/"), "/") {
		if p == "" || p == "." || p == ".." {
			continue
		}
		if len(parts) == maxDepth {
			break
		}
		parts = append(parts, safeName(p))
	}
	return strings.Join(parts, "/")
}

// safeUID makes a file name stem from a record's UID: kept as is when it is
// made of [A-Za-z0-9._@-] and short, else a stable hash, so vdir readers and
// DAV servers (which use the stem as the resource name) accept it.
func safeUID(uid string) string {
	ok := uid != "" && len(uid) <= 120 && !strings.HasPrefix(uid, ".")
	for _, r := range uid {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._@-", r)) {
			ok = false
			break
		}
	}
	if ok {
		return uid
	}
	sum := sha256.Sum256([]byte(uid))
	return "uid-" + hex.EncodeToString(sum[:16])
}

func truncateUTF8(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
