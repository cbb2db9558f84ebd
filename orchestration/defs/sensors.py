"""Sensor on the raw folder: keeps the document partitions in step with the PDFs in it."""

import hashlib
import json
from dataclasses import asdict, dataclass

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from ..file_hash import FileState, file_state
from ..settings import discover_pdfs
from .extract_assets import documents_partitions
from .jobs import build_warehouse_job, keys_after_extraction, partition_range_tags
from .resources import WarehouseResource

#: cursor: {partition key: FileState} — a file is re-hashed only when it was touched
FolderState = dict[str, FileState]


@dataclass(frozen=True)
class FolderChange:
    """How the raw folder differs from the partitions and from the last tick."""

    added: list[str]  # new partition keys
    deleted: list[str]  # partitions whose file is gone
    changed: list[str]  # keys whose content (sha256) is new or different
    state: FolderState

    @property
    def any(self) -> bool:
        return bool(self.added or self.deleted or self.changed)


def scan_folder(warehouse: WarehouseResource, previous: FolderState) -> FolderState:
    """Current identity and content hash of every PDF (hashing only touched files)."""
    return {
        key: file_state(path, previous.get(key))
        for key, path in discover_pdfs(warehouse.settings.raw_dir).items()
    }


def read_cursor(cursor: str | None) -> FolderState:
    """The last tick's state; entries in another format are forgotten (their files re-hashed)."""
    entries = json.loads(cursor) if cursor else {}
    return {key: FileState(**value) for key, value in entries.items() if isinstance(value, dict)}


def write_cursor(state: FolderState) -> str:
    return json.dumps({key: asdict(value) for key, value in state.items()}, sort_keys=True)


def compare(partitions: list[str], previous: FolderState, state: FolderState) -> FolderChange:
    existing = set(partitions)
    return FolderChange(
        added=sorted(set(state) - existing),
        deleted=[key for key in partitions if key not in state],
        changed=sorted(
            key
            for key, value in state.items()
            if key not in previous or previous[key].sha256 != value.sha256 or key not in existing
        ),
        state=state,
    )


def run_request_for(
    change: FolderChange, partitions: list[str], context: SensorEvaluationContext
) -> RunRequest:
    """One build run: the range of partitions covering every new or changed document."""
    order = [key for key in partitions if key not in change.deleted] + change.added
    run_key = hashlib.sha256(write_cursor(change.state).encode()).hexdigest()[:16]
    if change.changed:
        positions = [order.index(key) for key in change.changed]
        keys = order[min(positions) : max(positions) + 1]
        return RunRequest(run_key=run_key, tags=partition_range_tags(keys))
    if order:  # only removals: re-run over everything (cached extracts, nothing re-extracted)
        return RunRequest(run_key=run_key, tags=partition_range_tags(order))
    return RunRequest(
        run_key=run_key, asset_selection=keys_after_extraction(context.repository_def)
    )


@sensor(
    job=build_warehouse_job,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
)
def raw_folder_sensor(
    context: SensorEvaluationContext, warehouse: WarehouseResource
) -> SensorResult | SkipReason:
    """Watch the raw folder: add a partition per new PDF, delete the partitions of removed ones,
    and request a build for new and changed PDFs (content hash compared with the cursor)."""
    previous = read_cursor(context.cursor)
    partitions = list(context.instance.get_dynamic_partitions(documents_partitions.name))
    change = compare(partitions, previous, scan_folder(warehouse, previous))
    cursor = write_cursor(change.state)
    if not change.any:
        return SensorResult(
            skip_reason=SkipReason("no PDF added, changed or removed"), cursor=cursor
        )
    context.log.info(
        f"raw folder: {len(change.added)} added, {len(change.changed)} new or changed, "
        f"{len(change.deleted)} removed"
    )
    requests = []
    if change.added:
        requests.append(documents_partitions.build_add_request(change.added))
    if change.deleted:
        requests.append(documents_partitions.build_delete_request(change.deleted))
    return SensorResult(
        run_requests=[run_request_for(change, partitions, context)],
        dynamic_partitions_requests=requests,
        cursor=cursor,
    )
