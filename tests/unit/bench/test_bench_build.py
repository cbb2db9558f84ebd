"""bench_build's stage spans: wall and CPU seconds per stage from the progress-line marks."""

from bench.bench_build import DBT_RUN_LINE, Build


def test_stages_are_the_spans_between_progress_lines_in_wall_and_cpu_seconds() -> None:
    build = Build(
        seconds=30.0,
        status=0,
        output="",
        marks={"start, Dagster, extraction": 20.0, "load": 21.0, "dbt build": 27.0},
        cpu_marks={"start, Dagster, extraction": 25.0, "load": 25.5, "dbt build": 31.5},
        tree_cpu=33.0,
    )
    assert build.stages() == {
        "start, Dagster, extraction": 20.0,
        "load": 1.0,
        "dbt build": 6.0,
        "summary and exit": 3.0,
    }
    assert build.stages_cpu() == {
        "start, Dagster, extraction": 25.0,
        "load": 0.5,
        "dbt build": 6.0,
        "summary and exit": 1.5,
    }


def test_dbt_s_own_run_time_is_read_in_seconds_past_a_minute() -> None:
    line = "Finished running 5 seeds, 71 data tests in 0 hours 1 minutes and 2.56 seconds (62.56s)."
    assert DBT_RUN_LINE.findall(line) == ["62.56"]
