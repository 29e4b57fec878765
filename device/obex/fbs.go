package obex

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/sk-rescue/sk-rescue/device"
)

// pictureWords mark a folder whose whole subtree is walked for photos.
var pictureWords = []string{"picture", "photo", "image", "camera", "dcim", "graphic", "gallery",
	"bilder", "foto", "imagen", "immagin", "obraz", "zdj", "изображ", "фото", "картин", "写真", "画像"}

func pictureFolder(name string) bool {
	n := strings.ToLower(name)
	for _, w := range pictureWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// cd makes dir (components from the root) the current folder, going up
// to the common ancestor and down from there.
func (h *Handset) cd(ctx context.Context, dir []string) error {
	if err := h.use(ctx, TargetFolderBrowsing); err != nil {
		return err
	}
	if !h.cwdKnown {
		if err := h.c.SetPath(ctx, "", false); err != nil {
			return err
		}
		h.cwd, h.cwdKnown = nil, true
	}
	common := 0
	for common < len(h.cwd) && common < len(dir) && h.cwd[common] == dir[common] {
		common++
	}
	if len(h.cwd)-common > common+1 {
		// Cheaper from the root.
		if err := h.c.SetPath(ctx, "", false); err != nil {
			h.cwdKnown = false
			return err
		}
		h.cwd, common = nil, 0
	}
	for len(h.cwd) > common {
		if err := h.c.SetPath(ctx, "", true); err != nil {
			h.cwdKnown = false
			return err
		}
		h.cwd = h.cwd[:len(h.cwd)-1]
	}
	for _, name := range dir[common:] {
		if err := h.c.SetPath(ctx, name, false); err != nil {
			h.cwdKnown = false
			return err
		}
		h.cwd = append(h.cwd, name)
	}
	return nil
}

// walk lists the folder tree breadth first: the top two levels (drives,
// "Phone memory", "Memory card"), every picture folder's subtree, and
// everything when allFiles is set. Photos are image files in a picture
// folder's subtree or in the root.
func (h *Handset) walk(ctx context.Context, allFiles, photos bool) ([]device.Item, error) {
	type dir struct {
		parts   []string
		picture bool
	}
	queue := []dir{{}}
	var items []device.Item
	listed := 0
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		if listed >= h.opt.MaxFolders {
			break
		}
		listed++
		if err := h.cd(ctx, d.parts); err != nil {
			if IsResponse(err) && len(d.parts) > 0 {
				continue // a folder we may not enter
			}
			return items, err
		}
		b, err := h.c.GetBytes(ctx, "", FolderListingType, MaxListingBytes)
		if err != nil {
			if IsResponse(err) && len(d.parts) > 0 {
				continue
			}
			return items, err
		}
		l, err := ParseFolderListing(b)
		h.stats.SkippedNames += l.Skipped
		if err != nil && len(l.Entries) == 0 {
			return items, fmt.Errorf("obex: listing /%s: %w", strings.Join(d.parts, "/"), err)
		}
		folder := "/" + strings.Join(d.parts, "/")
		for _, e := range l.Entries {
			if e.Folder {
				pic := d.picture || pictureFolder(e.Name)
				if len(d.parts) < h.opt.MaxDepth && (allFiles || pic || len(d.parts) < 2) {
					queue = append(queue, dir{parts: append(append([]string(nil), d.parts...), e.Name), picture: pic})
				}
				continue
			}
			k, mt, known := device.ByExtension(e.Name)
			isImage := known && k == device.KindPhoto
			kind := device.KindFile
			switch {
			case isImage && photos && (d.picture || len(d.parts) == 0):
				kind = device.KindPhoto
			case allFiles:
				if !isImage {
					mt = "application/octet-stream"
				}
			default:
				continue
			}
			items = append(items, device.Item{Kind: kind, ID: path.Join(folder, e.Name), Name: e.Name, Folder: folder,
				Size: e.Size, Modified: e.Modified, Format: mt})
		}
	}
	return items, nil
}

// openFile streams a file found by the walk.
func (h *Handset) openFile(ctx context.Context, it device.Item) (io.ReadCloser, error) {
	if !strings.HasPrefix(it.Folder, "/") || !usableName(it.Name) {
		return nil, fmt.Errorf("obex: %q is not a file sk-rescue listed", it.ID)
	}
	var parts []string
	for _, p := range strings.Split(strings.Trim(it.Folder, "/"), "/") {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if err := h.cd(ctx, parts); err != nil {
		return nil, err
	}
	return h.c.Get(ctx, it.Name, "")
}
