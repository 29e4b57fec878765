#!/usr/bin/env bash
# Records the umockdev fast tier's replay (cmd/sk-rescue/testdata/umockdev/
# README.md): boots the lab's `record` group, in which QEMU's usb-mtp serves
# that folder's tiny phone and the guest runs
#   umockdev-record /dev/bus/usb/BBB/DDD                  (the device description)
#   tcpdump -i usbmonB -w devices.pcap &                  (one conversation)
#   sk-rescue --keep-kernel-drivers devices --json
#   tcpdump -i usbmonB -w export.pcap &                   (another)
#   sk-rescue --keep-kernel-drivers export --all --json --out DIR
# and copies the description and the captures into the testdata folder.
# Then run `go test ./cmd/sk-rescue -run Umockdev` and commit them.
set -euo pipefail
cd "$(dirname "$0")/.."
T=cmd/sk-rescue/testdata/umockdev
LAB_GROUPS=record lab/run.sh
R=.lab/out/record
for f in describe.out devices.pcap export.pcap node.txt; do
	[ -s "$R/$f" ] || { echo "record: no $R/$f (see .lab/out/record.log)" >&2; exit 1; }
done
read -r node sys <"$R/node.txt"
# The replay names the device by these two; the test reads them back.
printf '%s\n%s\n' "$node" "${sys#/sys}" >"$T/device.txt"
cp "$R/describe.out" "$T/phone.umockdev"
cp "$R/devices.out" "$T/devices.json"
cp "$R/devices.pcap" "$R/export.pcap" "$T/"
ls -l "$T/phone.umockdev" "$T/devices.pcap" "$T/export.pcap"
