package device

import "testing"

func TestByExtension(t *testing.T) {
	tests := []struct {
		name   string
		kind   Kind
		format string
		ok     bool
	}{
		{"C0001.vcf", KindContact, FormatVCard, true},
		{"BACKUP.VCF", KindContact, FormatVCard, true},
		{"cal.vcs", KindEvent, FormatVCalendar, true},
		{"cal.ics", KindEvent, FormatICalendar, true},
		{"n.vnt", KindNote, FormatVNote, true},
		{"IMG_0001.JPG", KindPhoto, "image/jpeg", true},
		{"clip.3gp", KindPhoto, "video/3gpp", true},
		{"logo.wbmp", KindPhoto, "image/vnd.wap.wbmp", true},
		{"readme.txt", "", "", false},
		{"noext", "", "", false},
		{".vcf", KindContact, FormatVCard, true},
	}
	for _, tt := range tests {
		kind, format, ok := ByExtension(tt.name)
		if kind != tt.kind || format != tt.format || ok != tt.ok {
			t.Errorf("ByExtension(%q) = %q %q %v, want %q %q %v", tt.name, kind, format, ok, tt.kind, tt.format, tt.ok)
		}
	}
}

func TestPlausibleSize(t *testing.T) {
	for _, tt := range []struct{ in, want int64 }{
		{0, 0}, {17, 17}, {MaxObjectSize, MaxObjectSize}, {MaxObjectSize + 1, -1}, {1 << 50, -1}, {-1, -1}, {-5, -1},
	} {
		if got := PlausibleSize(tt.in); got != tt.want {
			t.Errorf("PlausibleSize(%d) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
