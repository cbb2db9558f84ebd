"""Screenshots of a build report for the docs (headless system Chromium).

    python -m tools.report_screenshots WAREHOUSE_DIR/report/index.html docs/images

Writes ``report_overview.png`` (the top of the report) and ``report_error_evidence.png`` (the
first error-level check of the document with most errors, with its image, or else its first
warning group opened).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tools.browser import chromium


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("report", type=Path)
    args.add_argument("out", type=Path)
    options = args.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(options.report.resolve().as_uri())
        page.screenshot(path=str(options.out / "report_overview.png"))
        errors = page.locator("#documents th", has_text="errors")
        errors.click()
        errors.click()  # most errors first; checks are on the documents' own pages
        page.locator("#documents tbody tr").first.locator("a").click()
        check = page.locator(".check.error").first
        if check.count() == 0:
            page.locator("section.document summary").last.click()
            check = page.locator(".check.warn").first
        image = check.locator("img")
        image.scroll_into_view_if_needed()  # lazy images load near the viewport
        image.evaluate("img => img.decode()")
        check.screenshot(path=str(options.out / "report_error_evidence.png"))
    print(f"wrote {options.out}/report_overview.png, report_error_evidence.png")


if __name__ == "__main__":
    main()
