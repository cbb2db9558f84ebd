#!/usr/bin/env bash
# apt-get install the given Debian packages as root or through sudo, quietly; Debian's
# maintainer scripts may not start system services meanwhile (the project runs private ones).
# Used by tools/install_test_deps.sh and tools/install_services.sh.
set -euo pipefail
[ "$#" -gt 0 ] || exit 0
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "apt_install: need $* (apt-get, as root or with sudo)" >&2
    exit 1
  fi
  sudo=(sudo)
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt_install: no apt-get here; install $* (or equivalents) yourself" >&2
  exit 1
fi
echo "apt_install: installing $* …"
"${sudo[@]}" apt-get update -qq
# policy-rc.d exit 101: no service started by the packages' postinst
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod +x "$policy"
  created_policy=1
fi
status=0
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || status=$?
if [ "$created_policy" -eq 1 ]; then
  "${sudo[@]}" rm -f "$policy"
fi
exit "$status"
