"""Insert-only raw loads on the lake: concurrent writers, each document's latest load, removals."""

from __future__ import annotations

import multiprocessing as mp
import time

from orchestration.extract.document import Extract
from orchestration.lake.connection import LakeConfig, connect
from orchestration.lake.raw_loads import append, current_documents
from orchestration.warehouse.raw_store import RAW_TABLES

ROUNDS = 3


def _rows(extract: Extract) -> dict[str, int]:
    """How many rows of each raw table one load of ``extract`` appends."""
    counts = {"documents": 1, "narrative_figures": len(extract.figures)}
    return {
        table: counts[table] if table in counts else len(getattr(extract, table))
        for table in RAW_TABLES
    }


def _append_rounds(config: LakeConfig, extracts: list[Extract], writer: str, results) -> None:
    """One writer process: ROUNDS loads of every extract, one load per document; puts its load
    ids and when its first load began and its last one ended on ``results``."""
    load_ids = []
    with connect(config) as con:
        started = time.time()
        for round_ in range(ROUNDS):
            for index, extract in enumerate(extracts):
                load_ids.append(
                    append(con, [extract], load_id=f"{writer}-{round_}-{index}").load_id
                )
        results.put((load_ids, started, time.time()))


def test_two_writers_appending_at_once_lose_no_rows(
    lake: LakeConfig, small_extracts: list[Extract], sample_extract: Extract
) -> None:
    extracts = [*small_extracts, sample_extract]
    context = mp.get_context("spawn")  # fresh interpreters, as two builds on two hosts
    results = context.Queue()
    writers = [
        context.Process(target=_append_rounds, args=(lake, extracts, writer, results))
        for writer in ("a", "b")
    ]
    for writer in writers:
        writer.start()
    try:
        (first_ids, first_start, first_end), (second_ids, second_start, second_end) = [
            results.get(timeout=600) for _ in writers
        ]
        for writer in writers:
            writer.join(60)
        assert [writer.exitcode for writer in writers] == [0, 0]  # both builds ended cleanly
    finally:
        for writer in writers:
            if writer.is_alive():
                writer.kill()
    assert max(first_start, second_start) < min(
        first_end, second_end
    )  # the two writers did write at once
    assert len(set(first_ids + second_ids)) == 2 * ROUNDS * len(extracts)

    expected = {table: 0 for table in RAW_TABLES}
    for extract in extracts:
        for table, count in _rows(extract).items():
            expected[table] += count
    with connect(lake, read_only=True) as con:
        for table in RAW_TABLES:
            stored = con.execute(f"select count(*) from lake.raw_loads.{table}").fetchone()[0]
            current = con.execute(f"select count(*) from lake.raw.{table}").fetchone()[0]
            assert stored == 2 * ROUNDS * expected[table], table  # every row of every load
            assert current == expected[table], table  # each document once: its latest load
        assert con.execute("select count(*) from lake.raw_loads.loads").fetchone()[0] == (
            2 * ROUNDS * len(extracts)
        )
        assert sorted(current_documents(con)) == sorted(e.document["document_id"] for e in extracts)


def test_the_latest_load_of_a_document_is_its_current_view_and_a_removal_hides_it(
    lake: LakeConfig, small_extracts: list[Extract], sample_extract: Extract
) -> None:
    first, second, third = small_extracts
    sample_id = sample_extract.document["document_id"]
    with connect(lake) as con:
        initial = append(con, [first, second, third, sample_extract])
        again = append(con, [first])
        removal = append(con, [], removed=[sample_id])
        assert removal.documents == () and removal.removed == (sample_id,)
        held = current_documents(con)
        assert held == {
            first.document["document_id"]: again.load_id,
            second.document["document_id"]: initial.load_id,
            third.document["document_id"]: initial.load_id,
        }
        cells = con.execute("select count(*) from lake.raw.cells").fetchone()[0]
        assert cells == sum(len(e.cells) for e in small_extracts)
        # the raw views have exactly the embedded raw tables' columns (no load_id)
        columns = con.execute(
            "select column_name from duckdb_columns() where database_name = 'lake' "
            "and schema_name = 'raw' and table_name = 'documents' order by column_index"
        ).fetchall()
        assert ("load_id",) not in columns and columns[0] == ("document_id",)
