#!/usr/bin/env bash
# The USB lab (docs/TESTING.md): boots a Debian kernel under QEMU (TCG, PVH
# direct boot, no NIC) once per device group, runs sk-rescue and libmtp
# against real USB devices on the guest's real USB stack, and judges the
# results on the host. Prints one line per scenario and "N passed, N failed";
# exits 1 when a scenario failed.
#
#   lab/run.sh                    everything (make lab)
#   LAB_GROUPS="sim" lab/run.sh   only some boots: qemu-mtp umtprd sim featurephone
#                                 (and record, not in the default list:
#                                 lab/record-umockdev.sh)
#   LAB_SKRESCUE=/path/sk-rescue  run this sk-rescue build in the guest (a
#                                 deliberately broken driver, say)
#   LAB_SKFLAGS="--keep-kernel-drivers"  extra sk-rescue global flags in the guest
#   LAB_JOBS=1                    boots one at a time (default: 2 in parallel)
#
# Everything it downloads and builds lives in .lab/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LAB=$ROOT/.lab
OUT=$LAB/out
GROUPS_=${LAB_GROUPS:-qemu-mtp umtprd sim featurephone}
JOBS=${LAB_JOBS:-2}
T0=$(date +%s.%N)
say() { printf 'lab: %s (%.1f s)\n' "$*" "$(echo "$(date +%s.%N) - $T0" | bc 2>/dev/null || echo 0)" >&2; }
mkdir -p "$LAB/debs" "$OUT"

# 1. Host packages, only what is missing.
pkgs=(qemu-system-x86 busybox-static cpio mtp-tools libmtp-dev libusb-1.0-0-dev pkg-config gcc xz-utils bc
	gammu obexftp umockdev)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "lab: needs these Debian packages: ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
		exit 1
	fi
	echo "lab: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
say "host packages ready"

# 2. The guest kernel and modules, and umtp-responder: downloaded and
# unpacked, never installed.
KPKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
KVER=${KPKG#linux-image-}
if [ ! -f "$LAB/kroot/boot/vmlinuz-$KVER" ]; then
	(cd "$LAB/debs" && apt-get download "$KPKG" 2>/dev/null)
	rm -rf "$LAB/kroot"
	dpkg -x "$LAB/debs/${KPKG}"_*.deb "$LAB/kroot"
fi
if [ ! -f "$LAB/vmlinux-$KVER" ]; then
	# PVH direct boot needs the ELF inside the bzImage: find the XZ stream.
	z=$LAB/kroot/boot/vmlinuz-$KVER
	off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$z" | head -n1 | cut -d: -f1)
	tail -c +$((off + 1)) "$z" | xz -dc --single-stream >"$LAB/vmlinux-$KVER.tmp" 2>/dev/null || true
	head -c 4 "$LAB/vmlinux-$KVER.tmp" | grep -q ELF || { echo "lab: could not extract vmlinux from $z" >&2; exit 1; }
	mv "$LAB/vmlinux-$KVER.tmp" "$LAB/vmlinux-$KVER"
fi
if [ ! -x "$LAB/umtp/usr/bin/umtprd" ]; then
	(cd "$LAB/debs" && apt-get download umtp-responder 2>/dev/null)
	dpkg -x "$LAB/debs"/umtp-responder_*.deb "$LAB/umtp"
fi
say "kernel $KVER ready"

# 3. Binaries: sk-rescue with cgo (libusb), the gadget static, the libmtp
# benchmark, the host-side judge.
BIN=$LAB/bin
mkdir -p "$BIN"
go build -o "$BIN/sk-rescue" ./cmd/sk-rescue
CGO_ENABLED=0 go build -o "$BIN/gadget" ./lab/gadget
go build -o "$BIN/labcheck" ./lab/labcheck
go build -o "$BIN/mtpprobe" ./lab/mtpprobe
gcc -O2 -Wall -o "$BIN/mtptree" lab/mtptree.c $(pkg-config --cflags --libs libmtp)
SK=${LAB_SKRESCUE:-$BIN/sk-rescue}
"$BIN/labcheck" fixture "$LAB/fixture"
say "built"

# The reference for the sim scenarios: the same simulator over the
# in-memory link, on the host, while the guests boot.
rm -rf "$OUT"/sim-ref "$OUT"/sim-ref.log
("$BIN/sk-rescue" export --all --json --device sim:sidekick --out "$OUT/sim-ref" >"$OUT/sim-ref.log" 2>&1 || true) &
REF=$!
rm -rf "$OUT"/featurephone-ref "$OUT"/featurephone-ref.log
("$BIN/sk-rescue" export --all --json --device sim:featurephone --out "$OUT/featurephone-ref" >"$OUT/featurephone-ref.log" 2>&1 || true) &

# 4. The initramfs: busybox, /init, modules, the binaries with every
# library ldd names (and glibc's gconv modules, which libmtp's iconv needs).
RFS=$LAB/rootfs
rm -rf "$RFS"
mkdir -p "$RFS"/{bin,sbin,usr/bin,lib/modules,lib64,lib/x86_64-linux-gnu,etc/umtprd,data,usr/lib/locale}
cp /bin/busybox "$RFS/bin/busybox"
cp lab/init.sh "$RFS/init"
chmod +x "$RFS/init"
bundle() { # bundle FILE DEST: the file and its shared libraries
	cp "$1" "$RFS/$2"
	ldd "$1" 2>/dev/null | awk '/=> \//{print $3} /^\t\/lib64/{print $1}' | while read -r l; do
		case "$l" in /lib64/*) cp -nL "$l" "$RFS/lib64/" ;; *) cp -nL "$l" "$RFS/lib/x86_64-linux-gnu/" ;; esac
	done
}
bundle "$SK" usr/bin/sk-rescue
bundle "$BIN/mtptree" usr/bin/mtptree
bundle "$BIN/mtpprobe" usr/bin/mtpprobe
cp "$BIN/gadget" "$RFS/usr/bin/gadget"
bundle /usr/bin/gammu usr/bin/gammu
bundle /usr/bin/obexftp usr/bin/obexftp
for t in mtp-detect mtp-files mtp-getfile mtp-connect mtp-folders mtp-filetree; do bundle "/usr/bin/$t" "usr/bin/$t"; done
bundle "$LAB/umtp/usr/bin/umtprd" usr/bin/umtprd
cp "$LAB/umtp/etc/umtprd/umtprd.conf" "$RFS/etc/umtprd/umtprd.conf.dist"
case " $GROUPS_ " in *" record "*) # the umockdev fast tier's recorder (lab/record-umockdev.sh)
	if [ ! -x "$LAB/rec/usr/bin/tcpdump" ]; then
		(cd "$LAB/debs" && apt-get download tcpdump 2>/dev/null)
		dpkg -x "$LAB/debs"/tcpdump_*.deb "$LAB/rec"
	fi
	bundle "$LAB/rec/usr/bin/tcpdump" usr/bin/tcpdump
	bundle /usr/bin/umockdev-record usr/bin/umockdev-record
	;;
esac
G=/usr/lib/x86_64-linux-gnu/gconv
mkdir -p "$RFS$G"
cp -r $G/gconv-modules $G/gconv-modules.d $G/gconv-modules.cache $G/UTF-16.so $G/UNICODE.so "$RFS$G/" 2>/dev/null || true
cp -r /usr/lib/locale/C.utf8 "$RFS/usr/lib/locale/"
cp -r "$LAB/fixture/." "$RFS/data/"
MODS=$LAB/kroot/lib/modules/$KVER/kernel
declare -A seen=()
addmod() { # addmod NAME: the module and what it depends on, into lib/modules/deps
	local m=$1 f deps
	[ -n "${seen[$m]:-}" ] && return
	seen[$m]=1
	f=$(find "$MODS" -name "$m.ko" -o -name "${m//_/-}.ko" -o -name "${m//-/_}.ko" | head -n1)
	[ -n "$f" ] || { echo "lab: module $m not found" >&2; exit 1; }
	cp "$f" "$RFS/lib/modules/$m.ko"
	deps=$(tr '\0' '\n' <"$f" | sed -n 's/^depends=//p' | tr , ' ')
	echo "$m: $deps" >>"$RFS/lib/modules/deps"
	for d in $deps; do addmod "$d"; done
}
for m in xhci-pci dummy_hcd usb_f_fs usb_f_acm usb_f_obex cdc-acm virtio_pci virtio_blk usbmon; do addmod "$m"; done
(cd "$RFS" && find . | cpio -o -H newc --quiet) >"$LAB/initramfs.cpio"
say "initramfs $(du -m "$LAB/initramfs.cpio" | cut -f1) MB"

# 5. One boot per group, two at a time. Results come back as a tar written
# to a raw disk; the console goes to OUT/GROUP.log.
boot() {
	local g=$1 dev=()
	case $g in
	qemu-mtp) dev=(-device qemu-xhci -device "usb-mtp,rootdir=$LAB/fixture,readonly=on,desc=TestPhone") ;;
	record) dev=(-device qemu-xhci -device "usb-mtp,rootdir=$ROOT/cmd/sk-rescue/testdata/umockdev/phone,readonly=on,desc=TestPhone") ;;
	esac
	rm -rf "${OUT:?}/$g" "$OUT/$g.img"
	truncate -s 256M "$OUT/$g.img"
	local t=$(date +%s.%N)
	timeout 240 qemu-system-x86_64 -accel tcg -nographic -no-reboot -nic none -m 1024 \
		-kernel "$LAB/vmlinux-$KVER" -initrd "$LAB/initramfs.cpio" \
		-append "console=ttyS0 panic=-1 quiet no_timer_check lab.group=$g lab.skflags=$(echo "${LAB_SKFLAGS:-}" | tr ' ' ,) ${LAB_CMDLINE:-}" \
		-drive "file=$OUT/$g.img,format=raw,if=virtio" "${dev[@]}" </dev/null >"$OUT/$g.log" 2>&1 || echo "lab: qemu for $g exited $?" >>"$OUT/$g.log"
	mkdir -p "$OUT/$g"
	tar xf "$OUT/$g.img" -C "$OUT/$g" 2>/dev/null || rmdir "$OUT/$g"
	rm -f "$OUT/$g.img"
	printf 'lab: boot %s: %.1f s\n' "$g" "$(echo "$(date +%s.%N) - $t" | bc)" >&2
}
# qemu-mtp boots alone first: its speed line compares programs of very
# different sizes, and a second guest on the host slowed sk-rescue's runs
# far more than libmtp's (2.9 s against 1.5 s alone, docs/BENCHMARKS.md).
rest=
for g in $GROUPS_; do
	if [ "$g" = qemu-mtp ]; then boot qemu-mtp; else rest="$rest $g"; fi
done
running=0
for g in $rest; do
	boot "$g" &
	running=$((running + 1))
	if [ $running -ge "$JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait
say "boots done"

# 6. Judge.
echo >&2
"$BIN/labcheck" report "$OUT" "$LAB/fixture" $GROUPS_
