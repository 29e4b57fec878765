package upload

import (
	"os"
	"path/filepath"
	"testing"
)

// TestExportFilesOpenedInsideTheFolder: a symlink in a copied export that
// points outside it is not followed, so no file from elsewhere on the
// machine can be sent to a server.
func TestExportFilesOpenedInsideTheFolder(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret.vcf")
	os.WriteFile(outside, []byte("BEGIN:VCARD\r\nFN:not from the phone\r\nEND:VCARD\r\n"), 0o600)
	os.MkdirAll(filepath.Join(dir, "contacts"), 0o755)
	if err := os.Symlink(outside, filepath.Join(dir, "contacts", "x.vcf")); err != nil {
		t.Skip(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	it := &item{file: filepath.Join(dir, "contacts/x.vcf"), open: func() (*os.File, error) { return root.Open("contacts/x.vcf") }}
	if b, err := readChecked(it); err == nil {
		t.Errorf("read %q through a symlink out of the export", b)
	}
	if _, _, err := hashFile(it.open); err == nil {
		t.Errorf("hashed a file out of the export")
	}
}
