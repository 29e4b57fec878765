#!/bin/sh
# install-servers.sh installs the DAV servers (and vdirsyncer, for the
# benchmark) that recovery/upload's tests start on loopback. Debian packages
# only; idempotent: packages already installed are left alone. .ci/run calls it.
set -eu

pkgs="radicale python3-radicale xandikos apache2 apache2-utils vdirsyncer"

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	echo "install-servers: all present:$(printf ' %s' $pkgs)"
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# In containers package services must not start (they would take the
# default ports); the tests start their own instances.
if [ ! -e /usr/sbin/policy-rc.d ] && [ "$(id -u)" -eq 0 ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
