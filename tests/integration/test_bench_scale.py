"""``bench_scale`` at a tiny size: real builds from cloned extracts, every stage timed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from bench.bench_scale import SCENARIOS, STAGES, main
from orchestration.warehouse.extract_pool import extract_all
from tests.paths import SAMPLE_PDF

pytestmark = pytest.mark.slow

SIZE = 4


def test_bench_scale_times_every_stage_of_each_scenario(tmp_path: Path) -> None:
    corpus, cache, work = tmp_path / "corpus", tmp_path / "cache", tmp_path / "work"
    corpus.mkdir()
    (corpus / SAMPLE_PDF.name).symlink_to(SAMPLE_PDF)
    extract_all([corpus / SAMPLE_PDF.name], cache, workers=1)
    out = tmp_path / "scale.json"

    argv = ["--sizes", str(SIZE), "--corpus", str(corpus), "--source-cache", str(cache)]
    assert main([*argv, "--work", str(work), "--json", str(out), "--keep"]) == 0

    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["templates"] == 1
    size = figures["sizes"][str(SIZE)]
    assert size["documents"] == SIZE
    for scenario in SCENARIOS:
        run = size[scenario]
        assert set(run["stages"]) == set(STAGES)
        assert run["wall_seconds"] > 0 and run["cpu_seconds"] > 0
        assert run["peak_rss_mb"] >= run["peak_pss_mb"] > 0 and len(run["load_average"]) == 2
        if not run["up_to_date"]:
            assert run["peak_rss_stage"] in (*STAGES[:4], "publish and report", "exit")
    for scenario in ("build", "add_one"):  # every stage ran and took time
        stages = size[scenario]["stages"]
        assert not size[scenario]["up_to_date"]
        assert all(seconds is not None and seconds >= 0 for seconds in stages.values()), stages
        assert sum(stages.values()) == pytest.approx(size[scenario]["wall_seconds"], abs=0.1)
        cpu = size[scenario]["stages_cpu"]
        assert set(cpu) == set(STAGES) and cpu["publish"] is None  # inside "report"
        assert all(
            cpu[stage] is not None and cpu[stage] >= 0 for stage in set(STAGES) - {"publish"}
        )
        # the build's CPU, not the benchmark's own sampling (once ~150 CPU-s at 10³, all of it
        # counted in "exit"): no more than two cores for the exit's wall seconds
        assert cpu["exit"] <= 2 * stages["exit"] + 1.0, (cpu, stages)
    assert size["build"]["peak_processes"] >= 2  # the command and its dbt (at least)
    assert size["no_op"]["up_to_date"]
    assert set(size["no_op"]["stages"].values()) == {None}  # nothing ran
    assert size["no_op"]["wall_seconds"] < size["add_one"]["wall_seconds"]

    # what was built: the documents of the folder, nothing extracted, one more after add-one
    warehouse = work / f"n{SIZE}" / "warehouse" / "budget.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        documents = con.execute(
            "select count(*), count(distinct department_name), count(distinct fiscal_year) "
            "from marts.dim_document where status = 'loaded'"
        ).fetchone()
    assert documents == (SIZE + 1, SIZE + 1, 3)
    log = (work / "bench_scale.log").read_text(encoding="utf-8")
    assert re.findall(r"\((\d+) extracted now", log) == ["0", "0", "0"]  # nothing extracted
