"""Batch partitions and the extract store: planning from file contents, a remote store mirrored."""

from __future__ import annotations

from pathlib import Path

from orchestration.distributed.manifest import Batch, plan_batches
from orchestration.distributed.store import ExtractStore
from orchestration.warehouse.extract_cache import cache_path


def _files(folder: Path, contents: dict[str, bytes]) -> Path:
    for name, data in contents.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


def test_batches_are_near_equal_content_hashed_and_skip_duplicates(tmp_path: Path) -> None:
    raw = _files(tmp_path / "raw", {f"d{i}.pdf": b"%PDF-" + bytes([i]) * 10 for i in range(5)})
    (raw / "sub").mkdir()
    (raw / "sub" / "copy.pdf").write_bytes((raw / "d0.pdf").read_bytes())  # same content
    batches = plan_batches(raw, batch_size=2)
    assert [len(batch.items) for batch in batches] == [2, 2, 1]
    shas = [item.sha256 for batch in batches for item in batch.items]
    assert shas == sorted(shas) and len(set(shas)) == 5
    assert all(batch.key.startswith("batch-") and len(batch.key) == 22 for batch in batches)
    # the same contents under other names make the same partitions
    renamed = _files(
        tmp_path / "renamed",
        {f"x/{9 - i}.pdf": (raw / f"d{i}.pdf").read_bytes() for i in range(5)},
    )
    assert [b.key for b in plan_batches(renamed, 2)] == [b.key for b in batches]
    assert plan_batches(raw, 500)[0].key != batches[0].key
    assert Batch.from_json(batches[0].to_json()) == batches[0]


def test_remote_store_is_mirrored_around_a_batch(tmp_path: Path) -> None:
    store = ExtractStore("memory://budget-test-store/extracts")
    assert store.local_folder is None
    sha = "ab" * 32
    name = cache_path(Path(), sha).name
    with store.extracting([sha]) as folder:
        header = b'{"format": 2, "payload_sha256": "x"}\n{}'
        (folder / name).write_bytes(header)
    assert store.entry(sha).read_bytes() == header
    cache = tmp_path / "cache"
    assert store.fetch([sha, "cd" * 32], cache) == 1
    assert (cache / name).read_bytes() == header
    assert store.fetch([sha], cache) == 0  # same checksum: not copied again
    local = ExtractStore(str(tmp_path / "store"))
    assert local.local_folder == tmp_path / "store"
