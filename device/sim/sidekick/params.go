package sidekick

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
)

// Params sizes a generated phone. Every field is deterministic input: the
// same Params always give the same bytes.
type Params struct {
	// Seed drives every random choice (names, dates, image noise, serial).
	Seed int64
	// Contacts, Events, Todos and Photos are how many of each the phone holds.
	Contacts, Events, Todos, Photos int
	// MinPhoto and MaxPhoto bound photo file sizes in bytes; the sizes are
	// spread geometrically between them (both ends included when Photos > 1).
	MinPhoto, MaxPhoto int
	// Battery is the charge the phone reports, in percent.
	Battery int
}

// DefaultParams is the phone the tests and the "sim" selector use.
func DefaultParams() Params {
	return Params{
		Seed:     20091010, // the weekend the Sidekick servers lost everyone's data
		Contacts: 250,
		Events:   120,
		Todos:    40,
		Photos:   30,
		MinPhoto: 50 << 10,
		MaxPhoto: 3 << 20,
		Battery:  37,
	}
}

// Limits on parameters; anything beyond them is refused as absurd.
const (
	maxCount      = 1_000_000
	minPhotoFloor = 4 << 10  // smaller than this cannot hold a JPEG with EXIF
	maxPhotoCeil  = 64 << 20 // one photo
	maxPhotoTotal = 4 << 30  // Photos × MaxPhoto
)

// Keys are the url.Values keys ParseParams understands; any other key is an
// error, so a caller that shares a query string with other options should
// pass only these.
var Keys = []string{"seed", "contacts", "events", "todos", "photos", "battery", "minphoto", "maxphoto"}

// ParseParams reads Params from query values such as the "sim:" selector's
// ("contacts=10000&photos=500"). Keys not given keep DefaultParams values.
// Counts must be 0…1,000,000, battery 0…100, photo sizes are bytes between
// 4 KiB and 64 MiB with minphoto ≤ maxphoto, and photos × maxphoto must not
// exceed 4 GiB.
func ParseParams(v url.Values) (Params, error) {
	p := DefaultParams()
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	sort.Strings(names) // report the first bad key in a stable order
	for _, k := range names {
		vals := v[k]
		if len(vals) != 1 {
			return Params{}, fmt.Errorf("sidekick: parameter %q given %d times, want once", k, len(vals))
		}
		s := vals[0]
		if k == "seed" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return Params{}, fmt.Errorf("sidekick: seed %q is not a whole number", s)
			}
			p.Seed = n
			continue
		}
		var dst *int
		lo, hi := 0, maxCount
		switch k {
		case "contacts":
			dst = &p.Contacts
		case "events":
			dst = &p.Events
		case "todos":
			dst = &p.Todos
		case "photos":
			dst = &p.Photos
		case "battery":
			dst, hi = &p.Battery, 100
		case "minphoto":
			dst, lo, hi = &p.MinPhoto, minPhotoFloor, maxPhotoCeil
		case "maxphoto":
			dst, lo, hi = &p.MaxPhoto, minPhotoFloor, maxPhotoCeil
		default:
			return Params{}, fmt.Errorf("sidekick: unknown parameter %q (known: %v)", k, Keys)
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return Params{}, fmt.Errorf("sidekick: %s %q is not a whole number", k, s)
		}
		if n < int64(lo) || n > int64(hi) {
			return Params{}, fmt.Errorf("sidekick: %s %d is out of range %d…%d", k, n, lo, hi)
		}
		*dst = int(n)
	}
	if err := p.validate(); err != nil {
		return Params{}, err
	}
	return p, nil
}

// validate checks the relations between fields; Generate relies on them.
func (p Params) validate() error {
	for _, c := range []struct {
		name string
		n    int
	}{{"contacts", p.Contacts}, {"events", p.Events}, {"todos", p.Todos}, {"photos", p.Photos}} {
		if c.n < 0 || c.n > maxCount {
			return fmt.Errorf("sidekick: %s %d is out of range 0…%d", c.name, c.n, maxCount)
		}
	}
	if p.Battery < 0 || p.Battery > 100 {
		return fmt.Errorf("sidekick: battery %d is out of range 0…100", p.Battery)
	}
	if p.Photos == 0 {
		return nil
	}
	if p.MinPhoto < minPhotoFloor || p.MaxPhoto > maxPhotoCeil {
		return fmt.Errorf("sidekick: photo sizes %d…%d must lie within %d…%d bytes", p.MinPhoto, p.MaxPhoto, minPhotoFloor, maxPhotoCeil)
	}
	if p.MinPhoto > p.MaxPhoto {
		return fmt.Errorf("sidekick: minphoto %d is larger than maxphoto %d", p.MinPhoto, p.MaxPhoto)
	}
	if int64(p.Photos)*int64(p.MaxPhoto) > maxPhotoTotal {
		return fmt.Errorf("sidekick: %d photos of up to %d bytes could need more than 4 GiB; lower photos or maxphoto", p.Photos, p.MaxPhoto)
	}
	return nil
}
