"""The change log and per-consumer cursors that incremental stages read."""

import re

import duckdb
import pytest

from orchestration.warehouse import changes
from orchestration.warehouse.raw_store import ensure_schema
from tests.paths import ROOT


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
                ["g", "深圳市审计局(合成1)"],
                ["h", "深圳市审计局(合成2)(本级)"],
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


def test_other_brackets_name_other_departments(con):
    """Only unit suffixes relate names: 深圳市审计局(合成1) is a department of its own."""
    changes.advance(con, "dbt", 0, "h")
    changes.record(con, {"g": changes.LOADED})
    assert changes.pending(con, "dbt", "h").documents == {"g"}
    changes.record(con, {"h": changes.LOADED})
    assert changes.pending(con, "dbt", "h").documents == {"g", "h"}


@pytest.mark.parametrize(
    "sql",
    [
        "dbt_project/macros/strip_unit_suffix.sql",
        "dbt_project/models/intermediate/int_disclosures.sql",
    ],
)
def test_relation_key_strips_every_suffix_the_dbt_keys_strip(sql):
    """Coarser than the dbt project's department keys: documents dbt relates rebuild together."""
    text = (ROOT / sql).read_text(encoding="utf-8")
    stripped = re.findall(r"\\\((\(?[^()]*?)\)?\\\)\$", text)
    assert stripped, f"no suffix list found in {sql}"
    for alternation in stripped:
        assert set(alternation.strip("()").split("|")) <= set(changes.UNIT_SUFFIXES)
