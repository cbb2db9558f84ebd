"""Screenshot of the example Superset dashboard for the docs (headless system Chromium).

    python -m tools.superset_screenshot [--warehouse FILE] [--out docs/images/superset_dashboard.png]

Starts Superset as `make superset` does (``.superset/``, a free port), brings the dashboard up to
date, logs in as the admin in Chromium, waits until every chart has rendered and stops Superset.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from bi.superset.api import SupersetClient
from bi.superset.dashboard import bootstrap
from bi.superset.server import ROOT, free_port, running
from tools.browser import chromium

ALL_CHARTS_DRAWN = """() => {
    const charts = document.querySelectorAll('.dashboard-component-chart-holder');
    return charts.length > 0 && document.querySelectorAll('.loading').length === 0
        && [...charts].every(chart => chart.querySelector('canvas, svg, table'));
}"""


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument(
        "--warehouse",
        type=Path,
        default=Path(os.environ.get("BUDGET_WAREHOUSE", ROOT / "warehouse" / "budget.duckdb")),
    )
    args.add_argument("--out", type=Path, default=ROOT / "docs/images/superset_dashboard.png")
    args.add_argument("--home", type=Path, default=ROOT / ".superset")
    options = args.parse_args()
    with running(options.home, free_port()) as server:
        client = SupersetClient(server.url)
        client.login(server.username, server.password)
        dashboard = bootstrap(client, options.warehouse)
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1400, "height": 1200})
            page.goto(f"{server.url}/login/", wait_until="networkidle")
            page.fill("#username", server.username)
            page.fill("#password", server.password)
            page.keyboard.press("Enter")
            page.wait_for_url(lambda url: "/login" not in url)
            page.goto(f"{dashboard.url}?standalone=1", wait_until="networkidle")
            page.wait_for_function(ALL_CHARTS_DRAWN, timeout=300_000)
            page.wait_for_timeout(2000)  # ECharts' entry animation
            page.screenshot(path=str(options.out), full_page=True)
    print(f"wrote {options.out}")


if __name__ == "__main__":
    main()
