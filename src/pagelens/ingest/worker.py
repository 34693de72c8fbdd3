"""The sandboxed rendering process: `python -m pagelens.ingest.worker CAP_MB IN_FD OUT_FD`.

It caps its own address space first (RLIMIT_AS), then serves jobs from the parent over a
multiprocessing Connection: receives a RenderJob, answers ("pages", n) once the page count is known,
("page", None) after each page, then ("done", [Page, ...]) or ("error", message); a PrepareJob is
answered ("done", what its preparer returned) or as a failed render; ("fatal", message)
means it is exiting after a failure that leaves it untrustworthy (out of memory, unexpected
exception). It stays alive between files so the OCR and layout models are loaded once; the parent
kills it on a timeout and starts a fresh one.
"""

from __future__ import annotations

import resource
import sys


def _cap_memory(cap_mb: int) -> None:
    if cap_mb > 0:
        limit = cap_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def memory_message(cap_mb: int) -> str:
    return (
        f"rendering this file needs more memory than the memory_cap_mb limit of {cap_mb} MB; "
        f"raise it with PAGELENS_MEMORY_CAP_MB (e.g. {cap_mb * 2}) if you trust the file"
    )


def _looks_like_memory(err: BaseException) -> bool:
    text = str(err).lower()
    return isinstance(err, MemoryError) or any(
        sign in text for sign in ("malloc", "out of memory", "cannot allocate")
    )


def serve(cap_mb: int, in_fd: int, out_fd: int) -> None:
    from multiprocessing.connection import Connection

    inbox, outbox = Connection(in_fd, writable=False), Connection(out_fd, readable=False)
    _cap_memory(cap_mb)
    from ..errors import IngestError
    from .job import PrepareJob
    from .render import load_renderers, render_file

    load_renderers()
    outbox.send(("ready", None))
    while True:
        try:
            job = inbox.recv()
        except EOFError:
            return
        try:
            if isinstance(job, PrepareJob):
                outbox.send(("done", job.prepare(job.pages)))
                continue
            pages = render_file(job, lambda n: outbox.send(("pages", n)), lambda: outbox.send(("page", None)))
            outbox.send(("done", pages))
        except IngestError as err:
            if _looks_like_memory(err):
                outbox.send(("fatal", memory_message(cap_mb)))
                return  # a process that ran out of memory is not trusted with the next file
            outbox.send(("error", str(err)))
        except BaseException as err:  # noqa: BLE001 - report anything, then let the parent decide
            if _looks_like_memory(err):
                outbox.send(("fatal", memory_message(cap_mb)))
            elif isinstance(job, PrepareJob):
                outbox.send(("fatal", f"indexing failed: {type(err).__name__}: {err}"))
            else:
                outbox.send(
                    (
                        "fatal",
                        f"the renderer failed on this file ({type(err).__name__}: {err}); "
                        "the file is probably damaged; repair or re-export it",
                    )
                )
            return


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
