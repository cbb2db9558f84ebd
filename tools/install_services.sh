#!/usr/bin/env bash
# What the distributed profile needs beyond .venv: PostgreSQL (Dagster's instance, the DuckLake
# catalog) and Redis (the Celery broker). Only the binaries: the project starts private servers
# on free ports in temp folders (orchestration/services/) and stops them; no system service is
# started. Idempotent and quiet: does nothing when both are there. `make test`,
# `make demo-distributed` and `.ci/run` call it.
set -euo pipefail

packages=()
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  packages+=(postgresql)
fi
if ! command -v redis-server >/dev/null 2>&1; then
  packages+=(redis-server)
fi
exec "$(dirname "$0")/apt_install.sh" "${packages[@]}"
