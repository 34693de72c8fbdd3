"""Ingestion on a Ray cluster: `RayRunner` renders files as Ray tasks, the driver writes the library.

Each task runs the local render stage unchanged (`ingest_file`: sandboxed worker, text layer, regions,
OCR) on whichever node Ray picks, with one sandboxed worker per task (Ray spreads the files). The file
travels to the task as bytes and its page images come back as bytes, so the nodes need no filesystem
shared with the driver, only pagelens installed (and the OCR engine the settings name). The driver
writes the images under the same names, then the library embeds and stores the pages in every lane
exactly as after a local render: same page keys, same texts, same vectors.

Ray is the optional extra `ray`; `RayRunner` says how to install it when it is missing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from .. import extras
from ..config import Settings
from ..errors import ClusterError, IngestError, MissingExtraError
from ..types import Page
from .batch import Event, FileRendered, FileTask, PageRendered, PagesCounted


class RayRunner:
    """`Library.add(paths, runner=RayRunner("ray://head:10001"))`: render on a Ray cluster.

    `address`: what `ray.init(address=...)` takes: "auto" (the cluster this machine belongs to),
    "ray://host:10001", "host:6379"; None starts a local Ray (for trying it out). A Ray session that is
    already initialised in this process is used as it is. `max_in_flight`: files submitted at once
    (default: the cluster's CPUs, so every CPU has a file and the driver holds few results at once).
    """

    def __init__(self, address: str | None = "auto", *, max_in_flight: int | None = None) -> None:
        ray = _import_ray()
        if not ray.is_initialized():
            try:
                ray.init(address=address, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as err:
                raise ClusterError(
                    f"cannot reach the Ray cluster at {address!r} ({err}); start one with "
                    "`ray start --head`, or give its address (ray://HEAD:10001)"
                ) from err
        self._ray = ray
        self._render = ray.remote(num_cpus=1, max_retries=0)(_render_remote)
        self.max_in_flight = max_in_flight or max(1, int(ray.cluster_resources().get("CPU", 1)))

    def __call__(self, tasks: Iterable[FileTask], settings: Settings) -> Iterator[Event]:
        """The same events as the local `ingest_files`, in the order files finish (progress per file)."""
        ray = self._ray
        remote_settings = settings.replace(workers=1)  # one sandboxed worker per task; Ray spreads files
        pending = iter(tasks)
        in_flight: dict = {}
        while True:
            while len(in_flight) < self.max_in_flight and (task := next(pending, None)) is not None:
                try:
                    data = task.path.read_bytes()
                except OSError as err:
                    reason = f"cannot read the file: {err.strerror or err}"
                    yield FileRendered(task, error=IngestError(reason))
                    continue
                ref = self._render.remote(data, task.path.name, task.name, task.doc_id, remote_settings)
                in_flight[ref] = task
            if not in_flight:
                return
            [ref], _ = ray.wait(list(in_flight), num_returns=1)
            task = in_flight.pop(ref)
            try:
                pages, images, error = ray.get(ref)
            except ray.exceptions.RayError as err:
                yield FileRendered(task, error=IngestError(f"the Ray task for this file failed: {err}"))
                continue
            if error is not None:
                yield FileRendered(task, error=IngestError(error))
                continue
            yield PagesCounted(task, len(pages))
            for page in pages:
                yield PageRendered(task)
            yield FileRendered(task, _store(task, pages, images))


def _store(task: FileTask, pages: list[Page], images: list[bytes]) -> list[Page]:
    """Write the page images into the task's folder under the names the render gave them."""
    task.out_dir.mkdir(parents=True, exist_ok=True)
    for page, image in zip(pages, images):
        target = task.out_dir / Path(page.image_path).name
        partial = target.with_suffix(".png.part")
        partial.write_bytes(image)
        os.replace(partial, target)
        page.image_path = str(target)
    return pages


def _render_remote(
    data: bytes, file_name: str, name: str, doc_id: str, settings: Settings
) -> tuple[list[Page], list[bytes], str | None]:
    """Runs in a Ray worker: render the file in a scratch folder under its own file name (messages name
    it as a local render does); (pages, PNG bytes, error message)."""
    from .pipeline import ingest_file

    with tempfile.TemporaryDirectory(prefix="pagelens-ray-") as scratch:
        source = Path(scratch) / file_name
        source.write_bytes(data)
        try:
            pages = ingest_file(
                source, name=name, doc_id=doc_id, out_dir=Path(scratch) / "pages", settings=settings
            )
        except IngestError as err:
            return [], [], str(err)
        return pages, [Path(page.image_path).read_bytes() for page in pages], None


def _import_ray():
    extras.require("ray", "running on Ray")
    try:
        import ray
    except ImportError as err:  # its distribution is there but does not import
        raise MissingExtraError(extras.missing_message("ray", "running on Ray")) from err
    return ray
