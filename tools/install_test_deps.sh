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
exec "$(dirname "$0")/apt_install.sh" "${packages[@]}"
