"""The docs say what the code does: every CLI option and setting is in the README, and every
module, file and function the design docs name exists where they say."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT

#: the docs that name the code's modules, with the part of each that does
DESIGN_DOCS = {
    "README.md": "## How it works",
    "docs/performance.md": "",
    "docs/orchestration.md": "",
}
#: where a relative path in those docs may start (performance.md names modules from orchestration/)
BASES = (ROOT, ROOT / "orchestration", ROOT / "dbt_project")
CODE_ROOTS = {"orchestration", "dbt_project", "bench", "tests", "tools", "expectations"}
CODE_SUFFIXES = {"py", "sql", "yaml", "yml", "toml", "md", "sh"}
#: files a build writes or reads (not in the checkout)
DATA_SUFFIXES = {"duckdb", "json", "html", "pdf", "parquet", "lock", "log", "tmp", "png"}
#: a path in backticks: `warehouse/publish.py`, `orchestration/defs/`, `warehouse/publish.clone_file`
PATH = re.compile(r"`([\w-]+(?:/[\w.-]+)+/?)`")
README_STAGES = ("Extract", "Load", "Transform", "Validate", "Publish", "Report")


def test_every_cli_option_and_setting_is_in_the_readme() -> None:
    cli = Path(sys.executable).with_name("budget-warehouse")
    help_text = subprocess.run(
        [str(cli), "build", "--help"], capture_output=True, text=True, check=True
    ).stdout
    options = set(re.findall(r"(--[a-z][a-z-]+)", help_text)) - {"--help"}
    settings = set(re.findall(r"\b(BUDGET_[A-Z_]+)\b", help_text))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert options >= {"--raw-dir", "--warehouse"}
    assert {"BUDGET_RAW_DIR", "BUDGET_WAREHOUSE"} <= settings
    undocumented = sorted(name for name in options | settings if f"`{name}" not in readme)
    assert undocumented == []


def section(doc: str, heading: str) -> str:
    """The text of ``doc`` under ``heading`` up to the next heading of its level (all if none)."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    if not heading:
        return text
    level = heading.split(" ")[0]
    start = text.index(f"\n{heading}\n")
    end = text.find(f"\n{level} ", start + len(heading) + 2)
    return text[start : end if end > 0 else None]


def missing(name: str) -> str | None:
    """Why the path ``name`` a doc names is not in the checkout, or None when it is (or when it
    is no code: a table, a tag, a file a build writes)."""
    last = name.rstrip("/").rsplit("/", 1)[-1]
    suffix = last.rsplit(".", 1)[-1] if "." in last else None
    if suffix is None:
        if name.split("/")[0] in CODE_ROOTS and not (ROOT / name).exists():
            return "no such folder or file"
        return None
    if suffix in DATA_SUFFIXES:
        return None
    if suffix in CODE_SUFFIXES:
        return None if any((base / name).exists() for base in BASES) else "no such file"
    module = name[: -len(suffix) - 1] + ".py"  # `warehouse/publish.clone_file`
    found = [base / module for base in BASES if (base / module).exists()]
    if not found:
        return f"no module {module}"
    code = found[0].read_text(encoding="utf-8")
    if not re.search(rf"^\s*(def|class) {suffix}\b|^{suffix}\s*[:=]", code, re.MULTILINE):
        return f"{module} defines no {suffix}"
    return None


@pytest.mark.parametrize("doc", DESIGN_DOCS)
def test_every_module_the_design_docs_name_exists(doc: str) -> None:
    names = set(PATH.findall(section(doc, DESIGN_DOCS[doc])))
    assert len(names) >= 10
    problems = {name: why for name in sorted(names) if (why := missing(name))}
    assert problems == {}


def test_how_it_works_names_the_module_of_every_stage() -> None:
    """Each stage of the README's "How it works" names its module under ``orchestration/``."""
    text = section("README.md", "## How it works")
    for number, stage in enumerate(README_STAGES, start=1):
        item = re.search(rf"^{number}\. \*\*{stage}\*\* (.*?)(?=^\d\. |^$)", text, re.M | re.S)
        assert item, f"no stage {number} {stage}"
        modules = re.findall(r"`(orchestration/[\w/]+\.py)`", item.group(1))
        assert modules, f"{stage} names no module"
        assert all((ROOT / module).is_file() for module in modules), modules


def heading_anchors(doc: Path) -> set[str]:
    """The anchors GitHub gives the headings of ``doc`` (lowercase, punctuation dropped, spaces
    to hyphens; code blocks left out)."""
    text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)
    headings = re.findall(r"^#+ (.*)$", text, re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_every_link_to_a_section_finds_it() -> None:
    """Links such as ``performance.md#scale`` in the README and docs/ point to a heading that is
    there (sections are renamed and dropped as the docs follow the code)."""
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    broken, checked = [], 0
    for doc in docs:
        links = re.findall(r"\]\(([\w./-]*\.md)?#([^)\s]+)\)", doc.read_text(encoding="utf-8"))
        checked += len(links)
        for target, anchor in links:
            linked = doc.parent / target if target else doc
            if not linked.exists() or anchor not in heading_anchors(linked):
                broken.append(f"{doc.relative_to(ROOT)}: {target}#{anchor}")
    assert checked >= 5
    assert broken == []
