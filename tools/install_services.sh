#!/usr/bin/env bash
# What the distributed profile needs beyond .venv: PostgreSQL 15 (Dagster's instance, the DuckLake
# catalog) and Redis (the Celery broker). Only the binaries: the project starts private servers
# on free ports in temp folders (orchestration/services/) and stops them; the system services
# are never started here. Idempotent and quiet: does nothing when both are there; otherwise
# installs the Debian packages as root or through sudo. `make demo-distributed` and `.ci/run` call it.
set -euo pipefail

packages=()
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  packages+=(postgresql)
fi
if ! command -v redis-server >/dev/null 2>&1; then
  packages+=(redis-server)
fi
if [ "${#packages[@]}" -eq 0 ]; then
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install_services: need ${packages[*]} (apt-get, as root or with sudo)" >&2
    exit 1
  fi
  sudo=(sudo)
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install_services: no apt-get here; install ${packages[*]} (or equivalents) yourself" >&2
  exit 1
fi
echo "install_services: installing ${packages[*]} …"
"${sudo[@]}" apt-get update -qq
# policy-rc.d 101: Debian's postinst must not start the system-wide servers (we run private ones)
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod +x "$policy"
  created_policy=1
fi
status=0
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  "${packages[@]}" >/dev/null || status=$?
if [ "$created_policy" -eq 1 ]; then
  "${sudo[@]}" rm -f "$policy"
fi
exit "$status"
