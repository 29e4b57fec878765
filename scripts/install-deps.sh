#!/usr/bin/env bash
# Installs what sk-rescue needs from Debian's packages, only what is missing.
#   scripts/install-deps.sh        build needs: libusb for the USB layer
#   scripts/install-deps.sh test   also the real servers and independent
#                                  readers the tests run against
set -euo pipefail
pkgs=(libusb-1.0-0-dev pkg-config gcc)
if [ "${1:-}" = test ]; then
  pkgs+=(
    python3-vobject python3-icalendar python3-dateutil # independent vCard/iCalendar readers
    radicale xandikos apache2 apache2-utils vdirsyncer # DAV servers and the upload peer
    tmux                                               # the TUI tried in a real terminal
    umockdev                                           # replays of the USB lab's recordings
  )
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "sk-rescue needs these Debian packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The servers are started by the tests on loopback ports; the packages' own
# services are not needed.
for s in radicale apache2 xandikos; do
  systemctl disable --now "$s" >/dev/null 2>&1 || service "$s" stop >/dev/null 2>&1 || true
done
