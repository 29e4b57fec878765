#!/bin/busybox sh
# /init of the USB lab's guest (see docs/TESTING.md). One boot runs one
# device group, named on the kernel command line:
#   lab.group=qemu-mtp   QEMU's usb-mtp on xHCI: export, libmtp, speed
#   lab.group=umtprd     Debian's umtp-responder as a FunctionFS gadget on dummy_hcd
#   lab.group=sim        lab/gadget serving device/sim's MTP responder on dummy_hcd
#   lab.group=featurephone  lab/gadget serving device/sim/featurephone's modem and
#                        OBEX responders (kernel acm function + FunctionFS OBEX)
#   lab.group=record     QEMU's usb-mtp over a tiny folder: records the umockdev
#                        fast tier's replay (not a scenario; lab/record-umockdev.sh)
# Every result goes to /out, which is written as a tar to the raw disk
# /dev/vda at the end; the host (lab/labcheck) decides pass or fail.
# Other flags: lab.skflags="…" (extra sk-rescue global flags, comma for
# space), lab.shell (a shell on the console before poweroff).
/bin/busybox mkdir -p /proc /sys /dev /tmp /out /root
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin:/sbin:/usr/sbin LANG=C.UTF-8 HOME=/root LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
exec </dev/console >/dev/console 2>&1

arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p" | head -n1; }
up() { cut -d' ' -f1 /proc/uptime; }
log() { echo "LAB[$(up)] $*"; }
# ms prints milliseconds of uptime (10 ms resolution).
ms() { awk '{printf "%d\n", $1*1000}' /proc/uptime; }
# load MODULE…: insmod each module after the modules it depends on
# (lib/modules/deps, written by lab/run.sh from the modules' modinfo).
load() {
	local m deps
	for m; do
		[ -e "/tmp/.mod.$m" ] && continue
		deps=$(sed -n "s/^$m: //p" /lib/modules/deps)
		[ -n "$deps" ] && load $deps
		insmod "/lib/modules/$m.ko" || log "insmod $m failed"
		touch "/tmp/.mod.$m"
	done
}

GROUP=$(arg lab.group)
SKFLAGS=$(arg lab.skflags | tr ',' ' ')
log "group=$GROUP kernel=$(uname -r) skflags=$SKFLAGS"

finish() {
	log "writing results"
	load virtio_pci virtio_blk
	for i in $(seq 50); do [ -b /dev/vda ] && break; sleep 0.1; done
	(cd /out && tar cf /dev/vda .) || log "tar to /dev/vda failed"
	sync
	grep -q lab.shell /proc/cmdline && setsid cttyhack sh
	log "done"
	poweroff -f
}

# wait_usb VID PID: wait until that device (not a root hub) is on the bus.
wait_usb() {
	for i in $(seq 100); do
		for d in /sys/bus/usb/devices/[0-9]*; do
			[ "$(cat "$d/idVendor" 2>/dev/null):$(cat "$d/idProduct" 2>/dev/null)" = "$1:$2" ] || continue
			log "usb: $(basename "$d") $1:$2 '$(cat "$d/product" 2>/dev/null)' speed $(cat "$d/speed")"
			return 0
		done
		sleep 0.1
	done
	log "usb: no device $1:$2"
	return 1
}

# run NAME CMD…: runs CMD with stdout to /out/NAME.out, stderr to
# /out/NAME.err, exit code to /out/NAME.rc and wall time to /out/NAME.ms.
run() {
	name=$1
	shift
	t0=$(ms)
	"$@" >"/out/$name.out" 2>"/out/$name.err"
	rc=$?
	t1=$(ms)
	echo $rc >"/out/$name.rc"
	echo $((t1 - t0)) >"/out/$name.ms"
	log "$name: rc=$rc $((t1 - t0)) ms"
}

# The checks every MTP device gets: sk-rescue lists and exports it,
# libmtp detects it and lists its files.
mtp_checks() {
	run startup sk-rescue --help
	run devices sk-rescue $SKFLAGS devices --json
	run export sk-rescue $SKFLAGS export --all --json --out /out/export
	run mtp-detect mtp-detect
	run mtp-files mtp-files
	run mtpprobe mtpprobe -cpuprofile /out/mtpprobe.pprof
}

# mtp_tools getfile|connect OUT: every file of the device into OUT with
# libmtp's command-line tools, as someone without sk-rescue would: mtp-files
# lists the file IDs, then either one mtp-getfile per file (getfile: what the
# tools offer for a file) or a single mtp-connect session with a --getfile
# per file (connect: the fewest sessions the tools allow). Files land as
# OUT/ID (the tools recreate no folders). Prints "files N bytes B" like
# lab/mtptree.
mtp_tools() {
	mode=$1 out=$2
	mkdir -p "$out"
	mtp-files >"$out.list" 2>/dev/null || return 1
	ids=$(sed -n 's/^File ID: //p' "$out.list")
	case $mode in
	getfile)
		for id in $ids; do mtp-getfile "$id" "$out/$id" >/dev/null 2>&1 || return 1; done
		;;
	connect)
		set --
		for id in $ids; do set -- "$@" --getfile "$id,$out/$id"; done
		mtp-connect "$@" >/dev/null 2>&1 || return 1
		;;
	esac
	echo "files $(ls "$out" | wc -l) bytes $(cat "$out"/* | wc -c)"
}

# gadget_new NAME VID PID MANUFACTURER PRODUCT SERIAL CONFIGURATION
# FUNCTION…: a configfs gadget at $g (not bound yet) whose one
# configuration holds the FUNCTIONs ("acm.usb0", "ffs.mtp"), in order.
gadget_new() {
	mount -t configfs none /sys/kernel/config 2>/dev/null
	g=/sys/kernel/config/usb_gadget/$1
	mkdir -p $g/strings/0x409 $g/configs/c.1/strings/0x409
	echo "$2" >$g/idVendor
	echo "$3" >$g/idProduct
	echo "$4" >$g/strings/0x409/manufacturer
	echo "$5" >$g/strings/0x409/product
	echo "$6" >$g/strings/0x409/serialnumber
	echo "$7" >$g/configs/c.1/strings/0x409/configuration
	echo 120 >$g/configs/c.1/MaxPower
	shift 7
	for f; do
		mkdir -p $g/functions/$f
		ln -s $g/functions/$f $g/configs/c.1/
	done
}

# gadget_up NAME VID PID MANUFACTURER PRODUCT SERIAL DAEMON…: a configfs
# gadget with one FunctionFS function mounted at /dev/ffs-NAME, served by
# DAEMON (started in the background), bound to dummy_hcd's UDC.
gadget_up() {
	name=$1 vid=$2 pid=$3
	load dummy_hcd usb_f_fs
	gadget_new "$1" "$2" "$3" "$4" "$5" "$6" MTP ffs.$name
	shift 6
	mkdir -p /dev/ffs-$name
	mount -t functionfs $name /dev/ffs-$name
	"$@" >/out/daemon.out 2>/out/daemon.err &
	for i in $(seq 100); do [ -e /dev/ffs-$name/ep1 ] && break; sleep 0.1; done
	[ -e /dev/ffs-$name/ep1 ] || { log "gadget $name: no endpoints"; cat /out/daemon.err; return 1; }
	ls /sys/class/udc >$g/UDC
	log "gadget $name bound to $(cat $g/UDC)"
	wait_usb "${vid#0x}" "${pid#0x}"
}

case "$GROUP" in
qemu-mtp)
	load xhci-pci
	wait_usb 46f4 0004 && {
		mtp_checks
		# Speed, side by side on the same device: the whole tree with
		# sk-rescue (list, fetch, convert, write, fsync), with libmtp's
		# tools (mtp_tools, below) and with libmtp's API in one session
		# (lab/mtptree.c). One untimed round first: under TCG a program's
		# first run pays for translating its code, seconds for a 15 MB
		# binary, which no real CPU does. Then five rounds, alternating;
		# the per-file tools way, ten times slower than the rest, once.
		for i in warm 1 2 3 4 5; do
			rm -rf /tmp/b
			run bench-sk-$i sk-rescue $SKFLAGS export --all --json --out /tmp/b
			rm -rf /tmp/b
			run bench-connect-$i mtp_tools connect /tmp/b
			rm -rf /tmp/b
			run bench-libmtp-$i mtptree /tmp/b
		done
		rm -rf /tmp/b
		run bench-getfile-1 mtp_tools getfile /tmp/b
		# Where sk-rescue's time goes: one more export with a breakdown
		# per step (wall, user and system time) on stderr and a CPU
		# profile (docs/BENCHMARKS.md, "USB lab").
		rm -rf /tmp/b
		run export-timing sk-rescue $SKFLAGS --debug-timing --debug-cpuprofile /out/export-timing.pprof \
			export --all --json --out /tmp/b
		rm -rf /tmp/b
	}
	;;
umtprd)
	mkdir -p /etc/umtprd
	sed -e 's|^storage .*|storage "/data" "phone storage" "ro"|' -e 's|/dev/ffs-mtp/|/dev/ffs-umtp/|' \
		/etc/umtprd/umtprd.conf.dist >/etc/umtprd/umtprd.conf
	gadget_up umtp 0x1d6b 0x0100 "Viveris Technologies" "umtprd" "01234567" umtprd && mtp_checks
	;;
sim)
	gadget_up sim 0x1d6b 0x0104 "Danger" "Sidekick (sim)" "SKSIMGADGET" gadget -v -ffs /dev/ffs-sim -device sim:sidekick && {
		mtp_checks
		# libmtp fetches a few objects through our simulator; the host
		# compares them with the in-memory export.
		mkdir -p /out/get
		for id in $(sed -n 's/^File ID: //p' /out/mtp-files.out | awk 'NR % 60 == 1'); do
			mtp-getfile "$id" "/out/get/$id" >/dev/null 2>>/out/get.err || echo "$id" >>/out/get.failed
		done
		# The export's raw files stay in the guest: the manifest has their sha256.
		rm -rf /out/export/raw /out/export/photos
	}
	;;
featurephone)
	# One composite gadget, as a feature phone shows itself: the kernel's
	# CDC-ACM function (the modem, interfaces 0 and 1) and a CDC-WMC OBEX
	# function (interfaces 2 and 3) served through FunctionFS; lab/gadget
	# bridges the acm function's gadget tty and the OBEX endpoints to
	# device/sim/featurephone's responders. (The kernel's own obex function
	# cannot be used: f_obex keeps the gadget off the bus until its tty is
	# opened while connected, which never happens, see docs/TESTING.md.)
	# On the host side the kernel's cdc_acm binds the modem as
	# /dev/ttyACM0 for gammu; sk-rescue detaches it per interface.
	load dummy_hcd usb_f_acm usb_f_fs cdc-acm
	gadget_new fp 0x1d6b 0x0105 Simphone "FP-6230 (sim)" FPSIMGADGET "Modem + OBEX" acm.usb0 ffs.obex
	attty=/dev/ttyGS$(cat $g/functions/acm.usb0/port_num)
	mkdir -p /dev/ffs-obex
	mount -t functionfs obex /dev/ffs-obex
	gadget featurephone -v -at $attty -ffs /dev/ffs-obex -stats /tmp/fpstats.json >/out/daemon.out 2>/out/daemon.err &
	gpid=$!
	# phonestats NAME: the responders' counters now, as /out/NAME.json
	# (lab/labcheck judges a client by the difference around it).
	phonestats() {
		rm -f /tmp/fpstats.json
		kill -USR1 $gpid
		for i in $(seq 50); do [ -e /tmp/fpstats.json ] && break; sleep 0.1; done
		cp /tmp/fpstats.json /out/$1.json || log "no counters from the gadget for $1"
	}
	for i in $(seq 100); do [ -e /dev/ffs-obex/ep1 ] && break; sleep 0.1; done
	ls /sys/class/udc >$g/UDC
	log "gadget fp bound to $(cat $g/UDC), modem on $attty"
	wait_usb 1d6b 0105 && {
		for i in $(seq 50); do [ -c /dev/ttyACM0 ] && break; sleep 0.1; done
		ls -l /dev/ttyACM* /dev/ttyGS* >/out/ttys.txt 2>&1
		for d in /sys/bus/usb/devices/*:*; do
			echo "$(basename $d) class=$(cat $d/bInterfaceClass)/$(cat $d/bInterfaceSubClass)/$(cat $d/bInterfaceProtocol) driver=$(basename "$(readlink $d/driver)" 2>/dev/null)"
		done >/out/interfaces.txt
		run startup sk-rescue --help
		run devices sk-rescue $SKFLAGS devices --json
		run export sk-rescue $SKFLAGS export --all --json --out /out/export
		phonestats stats-after-export
		ls -l /dev/ttyACM* >>/out/ttys.txt 2>&1
		# gammu through cdc_acm's /dev/ttyACM0 (sk-rescue detached the
		# driver while it ran; libusb reattached it on release). The
		# counters around each phonebook read judge what gammu sent.
		# gammu_run NAME SECONDS ARGS…: gammu on the modem, its AT log in
		# /out/NAME.log.
		gammu_run() {
			gn=$1 gt=$2
			shift 2
			printf '[gammu]\nport = /dev/ttyACM0\nconnection = at\nlogformat = textall\nlogfile = /out/%s.log\n' "$gn" >/etc/gammurc
			run "$gn" timeout -s KILL "$gt" gammu -c /etc/gammurc "$@"
		}
		gammu_run gammu-identify 10 identify
		phonestats stats-before-gammu-sm
		gammu_run gammu-sm 60 getallmemory SM
		phonestats stats-after-gammu-sm
		gammu_run gammu-me 120 getallmemory ME
		phonestats stats-after-gammu-me
		# openobex looks for the CDC union and OBEX functional descriptors,
		# which FunctionFS cannot carry: kept as the record of that.
		run obexftp-usb timeout -s KILL 20 obexftp -u
	}
	# obexftp over a transparent OBEX serial port, as phones offered OBEX
	# on a cable or over Bluetooth RFCOMM: the phone's gadget goes off the
	# bus (the scenarios above are done) and a second one takes its UDC
	# with one acm function whose tty lab/gadget bridges to another
	# instance of the same simulated phone's OBEX responder, no modem.
	# That phone's OBEX packets are at most 255 bytes (IrOBEX's minimum),
	# so each reaches obexftp in one read: obexftp's tty transport
	# (openobex 1.7.2) fails on a packet that takes two, see
	# docs/TESTING.md.
	echo "" >$g/UDC
	gadget_new fpobex 0x1d6b 0x0106 Simphone "FP-6230 OBEX serial (sim)" FPSIMOBEXTTY "OBEX serial" acm.obex
	o=$g
	obextty=/dev/ttyGS$(cat $o/functions/acm.obex/port_num)
	gadget featurephone -v -at "" -obex $obextty -device 'sim:featurephone?maxpacket=255' -stats /tmp/fpostats.json >/out/daemon-obextty.out 2>/out/daemon-obextty.err &
	opid=$!
	for i in $(seq 50); do [ -c $obextty ] && break; sleep 0.1; done
	ls /sys/class/udc >$o/UDC
	log "gadget fpobex bound to $(cat $o/UDC), OBEX on $obextty"
	wait_usb 1d6b 0106 && {
		hosttty=
		for i in $(seq 50); do
			hosttty=$(ls /sys/bus/usb/devices/*:1.0/tty 2>/dev/null | head -n1)
			[ -n "$hosttty" ] && [ -c /dev/$hosttty ] && break
			sleep 0.1
		done
		echo "$hosttty" >/out/obextty.txt
		obexstats() {
			rm -f /tmp/fpostats.json
			kill -USR1 $opid
			for i in $(seq 50); do [ -e /tmp/fpostats.json ] && break; sleep 0.1; done
			cp /tmp/fpostats.json /out/$1.json || log "no counters from the OBEX tty gadget for $1"
		}
		obexstats stats-before-obexftp
		run obexftp-root timeout -s KILL 30 obexftp -t /dev/$hosttty -l /
		run obexftp-Pictures timeout -s KILL 30 obexftp -t /dev/$hosttty -c Pictures -l
		run obexftp-Pictures-Received timeout -s KILL 30 obexftp -t /dev/$hosttty -c Pictures/Received -l
		run obexftp-Sounds timeout -s KILL 30 obexftp -t /dev/$hosttty -c Sounds -l
		run obexftp-Themes timeout -s KILL 30 obexftp -t /dev/$hosttty -c Themes -l
		mkdir -p /out/obexftp-get
		run obexftp-get sh -c 'cd /out/obexftp-get && exec timeout -s KILL 30 obexftp -t "$1" -c Pictures -g Image001.jpg' sh /dev/$hosttty
		obexstats stats-after-obexftp
	}
	dmesg >/out/dmesg.txt
	;;
record)
	# The umockdev fast tier's recording (cmd/sk-rescue/testdata/umockdev/
	# README.md): QEMU's usb-mtp over that folder's tiny phone. The device
	# description comes from umockdev-record (its udevadm call is answered
	# by the shim below: the guest has no udev), the conversation from
	# usbmon through tcpdump, started after enumeration and stopped after
	# the export, so it holds sk-rescue's transfers only.
	load xhci-pci usbmon
	wait_usb 46f4 0004 && {
		for d in /sys/bus/usb/devices/[0-9]*; do [ "$(cat $d/idVendor 2>/dev/null)" = 46f4 ] && break; done
		bus=$(cat $d/busnum)
		node=/dev/bus/usb/$(printf %03d $bus)/$(printf %03d $(cat $d/devnum))
		echo "$node $(readlink -f $d)" >/out/node.txt
		cat >/bin/udevadm <<'SHIM'
#!/bin/sh
# udevadm info --query=all --path DEV, from sysfs alone (no udev database)
for a; do case $a in /sys/*) p=${a#/sys} ;; --path=*) p=${a#--path=/sys} ;; esac; done
echo "P: $p"
n=$(sed -n 's/^DEVNAME=//p' /sys$p/uevent)
[ -n "$n" ] && echo "N: $n"
sed -e 's|^DEVNAME=|DEVNAME=/dev/|' -e 's/^/E: /' /sys$p/uevent
[ -e /sys$p/subsystem ] && echo "E: SUBSYSTEM=$(basename $(readlink /sys$p/subsystem))"
exit 0
SHIM
		chmod +x /bin/udevadm
		run describe umockdev-record $node
		echo 'root:x:0:0:root:/root:/bin/sh' >/etc/passwd
		# capture NAME CMD…: run NAME CMD… with bus traffic in /out/NAME.pcap
		capture() {
			tcpdump -Z root -U -s 0 -i usbmon$bus -w /out/$1.pcap 2>/out/$1.tcpdump &
			tpid=$!
			for i in $(seq 50); do grep -q listening /out/$1.tcpdump && break; sleep 0.1; done
			run "$@"
			sleep 0.5
			kill -INT $tpid
			wait $tpid
		}
		capture devices sk-rescue --keep-kernel-drivers $SKFLAGS devices --json
		capture export sk-rescue --keep-kernel-drivers $SKFLAGS export --all --json --out /out/export
	}
	;;
*)
	log "unknown lab.group '$GROUP'"
	;;
esac
finish
