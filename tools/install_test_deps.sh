#!/usr/bin/env bash
# What the tests need beyond .venv: the system Chromium (the report tests drive it through
# Playwright, whose own browser download is not used) and a CJK font to render Chinese.
# Idempotent and quiet: does nothing when both are there; otherwise installs the Debian/Ubuntu
# packages as root or through sudo. `make test` and `.ci/run` call it.
set -euo pipefail

packages=()
chromium="${BUDGET_CHROMIUM:-$(command -v chromium || true)}"
if [ -z "$chromium" ] || [ ! -x "$chromium" ]; then
  packages+=(chromium)
fi
if ! command -v fc-list >/dev/null 2>&1 || ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  packages+=(fonts-wqy-microhei)
fi
if [ "${#packages[@]}" -eq 0 ]; then
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install_test_deps: need ${packages[*]} (apt-get, as root or with sudo); or set BUDGET_CHROMIUM" >&2
    exit 1
  fi
  sudo=(sudo)
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install_test_deps: no apt-get here; install ${packages[*]} (or equivalents) yourself" >&2
  exit 1
fi
echo "install_test_deps: installing ${packages[*]} …"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  "${packages[@]}" >/dev/null
