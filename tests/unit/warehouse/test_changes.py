"""The change log and per-consumer cursors that incremental stages read."""

import duckdb
import pytest

from orchestration.warehouse import changes
from orchestration.warehouse.raw_store import ensure_schema


@pytest.fixture
def con():
    with duckdb.connect(":memory:") as con:
        ensure_schema(con)
        con.executemany(
            "insert into raw.documents (document_id, department_name) values (?, ?)",
            [
                ["a", "深圳市审计局(本级)"],
                ["b", "深圳市审计局"],
                ["c", "中国共产党深圳市委员会宣传部(汇总)"],
                ["d", "中共深圳市委宣传部"],
                ["e", "上海市审计局"],
                ["f", None],
            ],
        )
        yield con


def test_no_cursor_means_everything(con):
    changes.record(con, {"a": changes.LOADED})
    pending = changes.pending(con, "dbt", "h1")
    assert pending.everything and pending.through == 1


def test_pending_are_changes_after_the_cursor_and_their_department(con):
    changes.record(con, {"a": changes.LOADED, "e": changes.LOADED})
    changes.advance(con, "dbt", changes.latest(con), "h1")
    assert changes.pending(con, "dbt", "h1").documents == frozenset()
    changes.record(con, {"c": changes.LOADED, "f": changes.LOADED})
    pending = changes.pending(con, "dbt", "h1")
    assert pending.documents == {"c", "d", "f"}  # 中国共产党…委员会 is 中共…委; no name: alone
    assert pending.through == 4
    assert changes.pending(con, "dbt", "h2").everything  # other code: everything


def test_a_removed_document_relates_by_its_name_before_removal(con):
    changes.advance(con, "validation", 0, "h")
    changes.record(con, {"b": changes.REMOVED})
    con.execute("delete from raw.documents where document_id = 'b'")
    assert changes.pending(con, "validation", "h").documents == {"a", "b"}


def test_cursors_are_independent_and_the_log_is_pruned_behind_all(con):
    changes.advance(con, "dbt", 0, "h")
    changes.advance(con, "validation", 0, "h")
    changes.record(con, {"e": changes.LOADED})
    changes.advance(con, "dbt", 1, "h")
    assert changes.pending(con, "validation", "h").documents == {"e"}
    changes.advance(con, "validation", 1, "h")
    assert con.execute("select count(*) from raw.document_changes").fetchone()[0] == 0
    changes.record(con, {"b": changes.LOADED})  # numbering continues after the cursors
    assert changes.pending(con, "dbt", "h").documents == {"a", "b"}
    changes.forget(con, ["dbt"])
    assert changes.pending(con, "dbt", "h").everything
    assert changes.pending(con, "validation", "h").documents == {"a", "b"}
