"""`pagelens` command line: add, sync, search, list, remove, eval, ask, serve, mcp.

Exit status: 0 ok; 1 when pagelens reports a failure (a file, a missing document, a busy library: any
`PagelensError`); 2 for usage errors (bad arguments, an empty query, an unknown lane or setting value).
Anything else is a bug and shows its traceback. Errors go to stderr; `--json` prints machine-readable
output on stdout (errors too, as {"error": ...}).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from .config import Settings
from .errors import PagelensError, QueryError, SettingsError, UnknownLaneError
from .types import FILE_STATUSES

OK, FAILED, USAGE = 0, 1, 2


class UsageError(Exception):
    pass


USAGE_ERRORS = (UsageError, QueryError, SettingsError, UnknownLaneError)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="pagelens: %(message)s", stream=sys.stderr)
    try:
        return args.run(args)
    except (*USAGE_ERRORS, PagelensError) as err:
        print(f"pagelens {args.command}: {err}", file=sys.stderr)
        if getattr(args, "json", False):
            _print_json({"error": str(err), "kind": type(err).__name__})
        return USAGE if isinstance(err, USAGE_ERRORS) else FAILED
    except KeyboardInterrupt:
        print("pagelens: interrupted (run the same command again to finish)", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--library",
        metavar="DIR",
        type=Path,
        help="library folder (default: $PAGELENS_LIBRARY, else ./pagelens-library)",
    )
    common.add_argument(
        "--lanes",
        metavar="LANE[,LANE]",
        action="append",
        help="lanes to open, e.g. text or text,dse (default: the library's own, else $PAGELENS_LANES)",
    )
    json_flag = argparse.ArgumentParser(add_help=False)
    json_flag.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    progress_flag = argparse.ArgumentParser(add_help=False)  # add and sync
    progress_flag.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )

    parser = argparse.ArgumentParser(prog="pagelens", description="Find and cite pages in your documents.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    add = commands.add_parser(
        "add", parents=[common, json_flag, progress_flag], help="add files and folders (recursive)"
    )
    add.add_argument("paths", nargs="+", metavar="PATH")
    add.add_argument(
        "--replace",
        action="store_true",
        help="a changed file replaces the document of the same name (default: added as 'name (2)')",
    )
    add.add_argument(
        "--ray",
        nargs="?",
        const="auto",
        metavar="ADDRESS",
        help="render on a Ray cluster (the 'ray' extra): ADDRESS is ray://HEAD:10001 or "
        "HEAD:6379; without it, the cluster this machine belongs to",
    )
    add.add_argument(
        "--no-wait",
        dest="wait",
        action="store_false",
        help="return once the text lane has the files; the visual lanes' queued pages are encoded by the "
        "next add, sync or app on this library (default: wait for them, showing how far they are)",
    )
    add.set_defaults(run=_add)

    sync = commands.add_parser(
        "sync",
        parents=[common, json_flag, progress_flag],
        help="mirror a folder: add new and changed files, follow renames, remove deleted ones",
    )
    sync.add_argument("folder", type=Path, metavar="FOLDER")
    sync.add_argument("--watch", action="store_true", help="keep following the folder until Ctrl-C")
    sync.add_argument(
        "--settle",
        type=float,
        default=None,
        metavar="SECONDS",
        help="--watch: how long a file must be left alone before it is ingested (default 2)",
    )
    sync.set_defaults(run=_sync)

    search = commands.add_parser("search", parents=[common, json_flag], help="ranked pages for a query")
    search.add_argument("query", nargs="?", default=None, metavar="QUERY")
    search.add_argument("-k", type=int, default=None, help="number of pages (default: $PAGELENS_K, else 10)")
    search.add_argument(
        "--image", type=Path, help="a reference image (composed query with QUERY as the change)"
    )
    search.set_defaults(run=_search)

    listing = commands.add_parser("list", parents=[common, json_flag], help="documents in the library")
    listing.set_defaults(run=_list)

    remove = commands.add_parser("remove", parents=[common, json_flag], help="remove a document by name")
    remove.add_argument("names", nargs="+", metavar="DOC")
    remove.set_defaults(run=_remove)

    evaluate = commands.add_parser(
        "eval", parents=[common, json_flag], help="retrieval (and --ask answer) metrics on an evaluation set"
    )
    evaluate.add_argument("directory", type=Path, metavar="DIR", help="folder with docs/ and queries.jsonl")
    evaluate.add_argument("--ask", action="store_true", help="also evaluate answers with citations")
    evaluate.add_argument(
        "--numbers",
        type=Path,
        metavar="FILE",
        help="also write the results (without the per-query rows) to FILE as JSON, with the commit, date "
        "and machine load: the files the documentation's tables are rendered from (scripts/doc_numbers.py)",
    )
    evaluate.set_defaults(run=_eval)

    ask = commands.add_parser("ask", parents=[common, json_flag], help="answer a question citing pages")
    ask.add_argument("question", metavar="QUESTION")
    ask.set_defaults(run=_ask)

    serve = commands.add_parser("serve", parents=[common], help="start the web app")
    serve.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None)
    serve.set_defaults(run=_serve)

    mcp = commands.add_parser(
        "mcp",
        parents=[common],
        help="serve the library to AI assistants (Model Context Protocol; stdio unless --http)",
    )
    mcp.add_argument(
        "--http", type=int, metavar="PORT", help="streamable HTTP on 127.0.0.1:PORT/mcp instead of stdio"
    )
    mcp.add_argument(
        "--allow-add",
        type=Path,
        metavar="FOLDER",
        help="enable the add tool for files inside FOLDER (default: read-only)",
    )
    mcp.set_defaults(run=_mcp)
    return parser


def _settings(args: argparse.Namespace, **overrides) -> Settings:
    return Settings.from_env(library=args.library, **overrides)


def _lanes(args: argparse.Namespace) -> list[str] | None:
    """--lanes (repeatable, comma-separated) as a list of names; None when not given."""
    from .lanes.registry import lane_names

    if not args.lanes:
        return None
    names = lane_names(args.lanes)
    if not names:
        raise UsageError("--lanes needs at least one lane name")
    return names


def _open(args: argparse.Namespace):
    from .library import Library

    return Library(settings=_settings(args), lanes=_lanes(args))


def _print_json(value) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def _add(args: argparse.Namespace) -> int:
    runner = None
    if args.ray:
        from .ingest.ray_runner import RayRunner

        runner = RayRunner(args.ray)  # before the library opens: a missing extra or cluster changes nothing
    with _open(args) as lib:
        report = lib.add(args.paths, replace=args.replace, progress=args.progress, runner=runner)
        _print_report(report, as_json=args.json)
        if not args.json:
            _print_counts(report, empty="nothing to add")
        if args.wait:
            _wait_for_lanes(lib)
    return OK if report.ok else FAILED


PROGRESS_EVERY_S = 10.0  # how often `add` prints the visual lanes' progress while it waits for them


def _wait_for_lanes(lib) -> None:
    """Encode the visual lanes' queued pages, a progress line on stderr every PROGRESS_EVERY_S; the files
    are searchable by the text lane already, and an interrupted wait resumes with the next add or sync."""
    progress = lib.lane_progress()
    if not any(p.queued for p in progress):
        return
    print(
        "searchable now by the text lane; encoding the visual lanes (Ctrl-C stops, the next add resumes)",
        file=sys.stderr,
        flush=True,
    )
    for lane in progress:  # on a CPU, with the cost estimated from the measured table
        print(lane.line(), file=sys.stderr, flush=True)
    while not lib.wait_for_lanes(PROGRESS_EVERY_S):
        progress = lib.lane_progress()
        for lane in progress:
            print(lane.line(), file=sys.stderr, flush=True)
        if any(lane.error for lane in progress):
            return
    for lane in lib.lane_progress():
        print(lane.line(), file=sys.stderr, flush=True)


def _sync(args: argparse.Namespace) -> int:
    from .index.sync import SETTLE_S, watch

    with _open(args) as lib:
        if not args.watch:
            report = lib.sync(args.folder, progress=args.progress)
            _print_report(report, as_json=args.json)
            if not args.json:
                _print_counts(report, empty="the folder has no documents")
            return OK if report.ok else FAILED
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())

        def show(report) -> None:
            _print_report(report, as_json=args.json, changes_only=True)
            sys.stdout.flush()

        print(f"watching {args.folder.resolve()} (Ctrl-C stops)", file=sys.stderr, flush=True)
        try:
            watch(
                lambda settle_s: lib.sync(args.folder, settle_s=settle_s, progress=args.progress),
                args.folder,
                show,
                library_root=lib.path,
                settle_s=SETTLE_S if args.settle is None else args.settle,
                stop=stop,
            )
        except KeyboardInterrupt:
            pass
        print("stopped watching", file=sys.stderr, flush=True)
    return OK


def _print_report(report, *, as_json: bool, changes_only: bool = False) -> None:
    """One line per file (failures and busy files on stderr), or the report as JSON."""
    files = [f for f in report.files if not changes_only or f.status != "unchanged"]
    if as_json:
        if files or not changes_only:
            _print_json({"ok": report.ok, "files": [dataclasses.asdict(f) for f in files]})
        return
    for outcome in files:
        if outcome.status in ("failed", "busy"):
            print(f"{outcome.status:<10} {outcome.name}: {outcome.reason}", file=sys.stderr)
        elif outcome.status == "renamed":
            print(f"{outcome.status:<10} {outcome.name} (from {outcome.previous})")
        else:
            note = f": {outcome.reason}" if outcome.reason else ""
            print(f"{outcome.status:<10} {outcome.name} ({outcome.pages} pages){note}")


def _print_counts(report, *, empty: str) -> None:
    counts = {s: len(report.by_status(s)) for s in FILE_STATUSES}
    print(", ".join(f"{n} {s}" for s, n in counts.items() if n) or empty, file=sys.stderr)


def _search(args: argparse.Namespace) -> int:
    if args.query is None and args.image is None:
        raise UsageError("give a QUERY, an --image, or both")
    with _open(args) as lib:
        hits = lib.search(args.query, args.k, image=args.image)
    if args.json:
        _print_json([_hit_json(hit) for hit in hits])
        return OK
    if not hits:
        print("no pages found", file=sys.stderr)
    for hit in hits:
        snippet = " ".join((hit.region.text if hit.region and hit.region.text else hit.text).split())
        language = f" [{hit.region_language}]" if hit.region_language else ""
        print(f"{hit.rank:>3}. {hit.score:.4f}  {hit.doc} p.{hit.page}{language}  {snippet[:100]}")
    return OK


def _hit_json(hit) -> dict:
    data = dataclasses.asdict(hit)
    data["key"] = hit.key
    data["region_language"] = hit.region_language
    return data


def _list(args: argparse.Namespace) -> int:
    with _open(args) as lib:  # a library that cannot be written opens read-only (listing works)
        documents = lib.documents()
        progress = lib.lane_progress()
    if args.json:
        _print_json([dataclasses.asdict(d) for d in documents])
        return OK
    if not documents:
        print("the library is empty", file=sys.stderr)
    for doc in documents:
        status = "" if doc.status == "complete" else f"  [{doc.status}]"
        queued = "".join(f"  [{lane}: {n} pages queued]" for lane, n in doc.queued.items())
        print(f"{doc.name}  ({doc.kind}, {doc.pages} pages, added {doc.added_at}){status}{queued}")
    for lane in progress:
        print(lane.line())
    return OK


def _remove(args: argparse.Namespace) -> int:
    with _open(args) as lib:
        removed = {name: lib.remove(name) for name in args.names}
    if args.json:
        _print_json(
            {
                "removed": [n for n, ok in removed.items() if ok],
                "missing": [n for n, ok in removed.items() if not ok],
            }
        )
    for name, ok in removed.items():
        if ok and not args.json:
            print(f"removed {name}")
        elif not ok:
            print(f"pagelens remove: no document named {name!r}", file=sys.stderr)
    return OK if all(removed.values()) else FAILED


def _eval(args: argparse.Namespace) -> int:
    """Retrieval metrics (and with --ask, answer metrics) on an evaluation set; a temporary library
    unless --library names one to reuse (unchanged files are then not ingested again)."""
    from .eval import format_report, run_eval
    from .eval.numbers import NumbersRun

    measuring = NumbersRun()
    settings, lanes = _settings(args), _lanes(args)
    with tempfile.TemporaryDirectory(prefix="pagelens-eval-") as scratch:
        folder = args.library or Path(scratch) / "library"
        report = run_eval(args.directory, settings=settings, library_dir=folder, lanes=lanes)
        answers = None
        if args.ask:
            from .eval.ask_eval import run_ask_eval
            from .library import Library

            with Library(folder, lanes=lanes, settings=settings.replace(library=Path(folder))) as lib:
                answers = run_ask_eval(args.directory, library=lib)
    results = {**report.to_dict(), **({"ask": answers.to_dict()} if answers else {})}
    if args.numbers:
        measuring.write(args.numbers, {key: value for key, value in results.items() if key != "queries"})
    if args.json:
        _print_json(results)
    else:
        print(format_report(report))
        if answers:
            print(answers.summary())
    return FAILED if report.failed_documents else OK


def _ask(args: argparse.Namespace) -> int:
    with _open(args) as lib:
        answer = lib.ask(args.question)
    if args.json:
        _print_json(dataclasses.asdict(answer))
        return OK
    print(answer.text)
    for citation in answer.citations:
        print(f"  {citation.label}  {citation.image_path}")
    return OK


def _serve(args: argparse.Namespace) -> int:
    from .ui.server import launch

    launch(_settings(args, host=args.host, port=args.port), lanes=_lanes(args))
    return OK


def _mcp(args: argparse.Namespace) -> int:
    from .mcp_server import serve

    if args.allow_add is not None and not args.allow_add.is_dir():
        raise UsageError(f"--allow-add needs an existing folder, not {args.allow_add}")
    with _open(args) as lib:
        serve(lib, http_port=args.http, allow_add=args.allow_add)
    return OK


if __name__ == "__main__":
    sys.exit(main())
