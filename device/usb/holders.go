package usb

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Process is a program that has a device node open.
type Process struct {
	PID  int    `json:"pid"`
	Name string `json:"name"` // /proc/PID/comm
}

func (p Process) String() string { return fmt.Sprintf("%s (pid %d)", p.Name, p.PID) }

// DevNode is the usbfs node of the device at bus:addr.
func DevNode(bus, addr int) string { return fmt.Sprintf("/dev/bus/usb/%03d/%03d", bus, addr) }

// Holders returns the processes other than this one that have the device at
// bus:addr open, found by reading the /proc/PID/fd links (what fuser does).
// hidden is true when some processes' descriptors could not be read (other
// users' processes when not root), so the list may be incomplete.
func Holders(bus, addr int) (procs []Process, hidden bool) {
	return holders("/proc", DevNode(bus, addr), os.Getpid())
}

func holders(procRoot, node string, self int) (procs []Process, hidden bool) {
	entries, err := os.ReadDir(procRoot)
	if err != nil {
		return nil, true
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		dir := filepath.Join(procRoot, e.Name())
		fds, err := os.ReadDir(filepath.Join(dir, "fd"))
		if err != nil {
			if !os.IsNotExist(err) { // gone meanwhile is not hidden
				hidden = true
			}
			continue
		}
		for _, fd := range fds {
			target, err := os.Readlink(filepath.Join(dir, "fd", fd.Name()))
			if err != nil || target != node {
				continue
			}
			name := e.Name()
			if b, err := os.ReadFile(filepath.Join(dir, "comm")); err == nil {
				name = strings.TrimSpace(string(b))
			}
			procs = append(procs, Process{PID: pid, Name: name})
			break
		}
	}
	sort.Slice(procs, func(i, j int) bool { return procs[i].PID < procs[j].PID })
	return procs, hidden
}

// busyAdvice says what to do when a function's interface is busy: who holds
// the device and how to make them let go. driver is the kernel driver bound
// to the interface when it is one ("cdc_acm"), "" otherwise.
func busyAdvice(c Candidate, f Function, procs []Process, hidden bool, driver string) string {
	node := DevNode(c.Bus, c.Address)
	var parts []string
	if driver != "" && driver != "usbfs" {
		parts = append(parts, fmt.Sprintf("the kernel driver %s is bound to interface %d; run without --keep-kernel-drivers to let sk-rescue detach it for the session", driver, f.Interface))
	}
	if len(procs) > 0 {
		names := make([]string, len(procs))
		for i, p := range procs {
			names[i] = p.String()
		}
		parts = append(parts, fmt.Sprintf("%s is held by %s", node, strings.Join(names, ", ")))
	} else if hidden {
		parts = append(parts, fmt.Sprintf("another user's program may hold %s: `sudo fuser -v %s` names it", node, node))
	}
	hints := map[string]bool{}
	hint := func(h string) {
		if !hints[h] {
			hints[h] = true
			parts = append(parts, h)
		}
	}
	const (
		gvfsHint = "a desktop file manager has mounted the phone: unmount it there, or find it with `gio mount -l` and run `gio mount -u mtp://…` (gvfsd-mtp, gvfs-gphoto2, kiod hold it while mounted)"
		mmHint   = "ModemManager probes modems: stop it for the rescue (`sudo systemctl stop ModemManager`) or tag the phone with a udev rule setting ENV{ID_MM_DEVICE_IGNORE}=\"1\""
		adbHint  = "the adb server holds ADB interfaces: run `adb kill-server`"
	)
	for _, p := range procs {
		n := strings.ToLower(p.Name)
		switch {
		case strings.Contains(n, "gvfs"), strings.Contains(n, "kio"), strings.Contains(n, "mtp"), strings.Contains(n, "gphoto"):
			hint(gvfsHint)
		case strings.Contains(n, "modemmanager"):
			hint(mmHint)
		case n == "adb":
			hint(adbHint)
		}
	}
	if len(procs) == 0 && driver == "" {
		switch f.Protocol {
		case ProtoMTP, ProtoPTP:
			hint(gvfsHint)
		case ProtoAT:
			hint(mmHint)
		case ProtoADB:
			hint(adbHint)
		case ProtoOBEX:
			hint("close other phone tools (gammu, obexftp, a phone suite) that may have opened it")
		}
	}
	return strings.Join(parts, "; ")
}
