"""`finalize`: check that every shard of a sharded run is there and adds up, then write `_SUCCESS`."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow.fs as pafs
from pydantic import ValidationError

from app.scoring import manifest, sinks
from app.scoring.errors import ErrorRateError, IncompleteOutputError, ScoringError, storage_failed
from app.scoring.plan import plan_id
from app.scoring.uris import Location, first_line


@dataclass(frozen=True)
class Finalized:
    success: manifest.SuccessManifest
    uri: str

    def line(self) -> str:
        rows = self.success.rows
        return f"finalized {len(self.success.parts)} shards: {rows.read} rows ({rows.failed} failed) -> {self.uri}"


def finalize(folder: Location, shards: int, *, max_error_rate: float | None = None) -> Finalized:
    """Write `folder/_SUCCESS` listing the parts of shards 0..shards-1.

    An earlier `_SUCCESS` is withdrawn first. Raises IncompleteOutputError (exit 1, one line,
    no `_SUCCESS`) when a part or manifest is missing (naming every missing shard), when a part
    differs from its manifest, when shards disagree on the input, N or model, when the rows do
    not add up to the input's, or when a part from another run is in the folder; ErrorRateError
    when failed/read > max_error_rate; StorageError (exit 3) when storage fails under it.
    """
    sizes = _listing(folder)
    _withdraw_success(folder, sizes)
    parts = [_read_manifest(folder, shard, sizes) for shard in range(shards)]
    missing = [shard for shard, part in enumerate(parts) if part is None]
    if missing:
        raise IncompleteOutputError(
            f"{folder.uri}: missing shard(s) {', '.join(map(str, missing))} of {shards} (no part or no manifest); "
            f"rerun them, then finalize again"
        )
    found = [part for part in parts if part is not None]
    _check_agreement(folder, found, shards)
    _check_strays(folder, sizes, shards)
    read, failed = sum(part.rows.read for part in found), sum(part.rows.failed for part in found)
    _check_rows(folder, found, read)
    if max_error_rate is not None and read and failed > max_error_rate * read:
        raise ErrorRateError(
            f"{folder.uri}: {failed} of {read} rows failed ({failed / read:.2%}), more than --max-error-rate "
            f"{max_error_rate}; no {manifest.SUCCESS} written"
        )
    success = manifest.SuccessManifest(
        plan=found[0].plan,
        model_version=found[0].model_version,
        rows=manifest.Rows(read=read, scored=read - failed, failed=failed),
        parts=[part.part for part in found],
    )
    target = folder.child(manifest.SUCCESS)
    try:
        sinks.write_bytes(target, manifest.dump(success))
    except OSError as exc:
        raise storage_failed(target.uri, exc) from exc
    return Finalized(success=success, uri=target.uri)


def read_success(folder: Location) -> Finalized:
    """The `_SUCCESS` manifest of a finalized folder; IncompleteOutputError when there is none (yet)."""
    target = folder.child(manifest.SUCCESS)
    try:
        with folder.filesystem.open_input_stream(target.path) as stream:
            success = manifest.SuccessManifest.model_validate_json(stream.read())
    except FileNotFoundError as exc:
        raise IncompleteOutputError(f"{target.uri}: not there; the run has not been finalized") from exc
    except (OSError, ValidationError) as exc:
        raise IncompleteOutputError(f"{target.uri}: not a valid manifest ({first_line(exc)})") from exc
    return Finalized(success=success, uri=target.uri)


def _withdraw_success(folder: Location, sizes: dict[str, int]) -> None:
    # Whatever this finalize decides replaces the last one's verdict: a refusal leaves no _SUCCESS.
    if manifest.SUCCESS in sizes:
        try:
            sinks.delete_if_exists(folder.child(manifest.SUCCESS))
        except OSError as exc:
            raise storage_failed(folder.child(manifest.SUCCESS).uri, exc) from exc
        del sizes[manifest.SUCCESS]


def _listing(folder: Location) -> dict[str, int]:
    if folder.info().type != pafs.FileType.Directory:
        raise IncompleteOutputError(f"{folder.uri}: no such folder; run the shards first")
    try:
        entries = folder.filesystem.get_file_info(pafs.FileSelector(folder.path))
    except OSError as exc:
        raise ScoringError(f"{folder.uri}: cannot list the folder ({first_line(exc)})") from exc
    return {entry.base_name: entry.size for entry in entries if entry.is_file}


def _read_manifest(folder: Location, shard: int, sizes: dict[str, int]) -> manifest.PartManifest | None:
    name = manifest.manifest_name(shard)
    if name not in sizes:
        return None
    try:
        with folder.filesystem.open_input_stream(folder.child(name).path) as stream:
            document = manifest.PartManifest.model_validate_json(stream.read())
    except OSError as exc:
        raise storage_failed(folder.child(name).uri, exc) from exc
    except ValidationError as exc:
        raise IncompleteOutputError(f"{folder.child(name).uri}: not a valid manifest ({first_line(exc)})") from exc
    if document.shard != shard:
        raise IncompleteOutputError(f"{folder.child(name).uri}: describes shard {document.shard}, not {shard}")
    if document.part.file not in sizes:
        return None
    if sizes[document.part.file] != document.part.size:
        raise IncompleteOutputError(
            f"{folder.child(document.part.file).uri}: {sizes[document.part.file]} bytes, but its manifest says "
            f"{document.part.size}; rerun shard {shard}"
        )
    return document


def _check_agreement(folder: Location, parts: list[manifest.PartManifest], shards: int) -> None:
    first = parts[0]
    for part in parts:
        if part.plan.shards != shards:
            raise IncompleteOutputError(
                f"{folder.uri}: shard {part.shard} was run with --shards {part.plan.shards}, not {shards}"
            )
        if part.plan != first.plan:
            raise IncompleteOutputError(
                f"{folder.uri}: shards {first.shard} and {part.shard} were planned from different inputs "
                f"({first.plan.input}, {part.plan.input}, plan {first.plan.plan_id[:12]} vs {part.plan.plan_id[:12]})"
            )
        if part.model_version != first.model_version:
            raise IncompleteOutputError(
                f"{folder.uri}: shards {first.shard} and {part.shard} were scored by different models "
                f"({first.model_version}, {part.model_version})"
            )


def _check_strays(folder: Location, sizes: dict[str, int], shards: int) -> None:
    strays = sorted(
        name for name in sizes if (match := manifest.PART.match(name)) is not None and int(match.group(1)) >= shards
    )
    if strays:
        raise IncompleteOutputError(f"{folder.uri}: {', '.join(strays)} belong to no shard of {shards}; remove them")


def _check_rows(folder: Location, parts: list[manifest.PartManifest], read: int) -> None:
    # Together the manifests' units must be exactly the plan every shard was given: then each
    # row group or CSV byte was read by one shard (a CSV's row count is unknown without a scan).
    if plan_id([part.units for part in parts]) != parts[0].plan.plan_id:
        raise IncompleteOutputError(f"{folder.uri}: the shards' units are not the plan they were run from")
    expected = parts[0].plan.input_rows
    if expected is not None and read != expected:
        raise IncompleteOutputError(f"{folder.uri}: the shards read {read} rows, but the input has {expected}")
