"""`make superset`: Superset on the published warehouse with the example dashboard, until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from .api import SupersetClient
from .dashboard import bootstrap
from .server import ROOT, running


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bi.superset", description=__doc__)
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=Path(os.environ.get("BUDGET_WAREHOUSE", ROOT / "warehouse" / "budget.duckdb")),
        help="the published DuckDB warehouse (default $BUDGET_WAREHOUSE or warehouse/budget.duckdb)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("SUPERSET_PORT", "8089")),
        help="port on 127.0.0.1 (default $SUPERSET_PORT or 8089)",
    )
    parser.add_argument(
        "--home",
        type=Path,
        default=ROOT / ".superset",
        help="Superset's private folder: metadata database, secret key, admin password, log",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if not args.warehouse.exists():
        print(f"no warehouse at {args.warehouse}: build it first (make run)", file=sys.stderr)
        return 1
    # Ctrl-C and SIGTERM stop the server, also where SIGINT was ignored (a background job).
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, signal.default_int_handler)
    print(f"Superset: starting on port {args.port} (first start sets up {args.home}: minutes) …")
    try:
        with running(args.home, args.port) as server:
            client = SupersetClient(server.url)
            client.login(server.username, server.password)
            dashboard = bootstrap(client, args.warehouse)
            print(f"Superset: {server.url}/  (warehouse {args.warehouse.resolve()}, read-only)")
            print(f"  dashboard: {dashboard.url}")
            print(f"  login: {server.username} / {server.password}")
            print(f"  {len(dashboard.datasets)} datasets; log: {server.log}; Ctrl-C stops it")
            code = server.process.wait()
            print(f"Superset exited ({code}): see {server.log}", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("Superset: stopped")
        return 0


if __name__ == "__main__":
    sys.exit(main())
