"""`pagelens mcp`, driven by the MCP SDK's own client over stdio (and streamable HTTP) in a real subprocess,
on a library holding the sample corpus (text lane)."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from library_helpers import free_port
from mcp import Client, StdioServerParameters

from pagelens.assets import sample_documents
from pagelens.library import Library

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def sample_library(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("mcp") / "lib"
    with Library(folder, lanes=["text"]) as lib:
        report = lib.add(sample_documents(), progress=False)
        assert report.ok, report.files
    return folder


def mcp_command(library: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "pagelens.cli", "mcp", "--library", str(library), *extra]


def over_stdio(library: Path, env: dict, *extra: str) -> Client:
    command = mcp_command(library, *extra)
    return Client(
        StdioServerParameters(command=command[0], args=command[1:], env=env), read_timeout_seconds=240
    )


def wait_for_port(port: int, process: subprocess.Popen, *, timeout_s: float) -> None:
    """Until 127.0.0.1:port accepts connections (the MCP endpoint answers only protocol requests)."""
    deadline = time.monotonic() + timeout_s
    while True:
        assert process.poll() is None, f"pagelens mcp --http exited: {process.stderr.read().decode()[-3000:]}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, (
                f"pagelens mcp --http did not listen on {port} in {timeout_s} s"
            )
            time.sleep(0.25)


@pytest.mark.slow
def test_search_get_page_and_a_confined_add_over_stdio(sample_library, offline_env, tmp_path):
    allowed = tmp_path / "inbox"
    allowed.mkdir()
    (allowed / "capybara.md").write_text(
        "# Capybara care\n\nCapybaras need a pond and fresh hay every day.\n"
    )
    os.symlink(sample_library / "catalog.sqlite", allowed / "sneaky.md")  # a link out of the folder
    outside = tmp_path / "outside.md"
    outside.write_text("# Not for the assistant\n")

    async def session() -> None:
        async with over_stdio(sample_library, offline_env, "--allow-add", str(allowed)) as client:
            tools = {tool.name: tool for tool in (await client.list_tools()).tools}
            assert set(tools) == {"search", "ask", "list_documents", "get_page", "add"}
            assert tools["search"].annotations.read_only_hint and not tools["add"].annotations.read_only_hint

            found = await client.call_tool("search", {"query": "net present value of cash flows", "k": 3})
            assert not found.is_error, found.content
            hits = found.structured_content["result"]
            assert len(hits) == 3 and hits[0]["doc"] == "maxima-finance.html"
            assert "present value" in hits[0]["snippet"].lower() and hits[0]["score"] >= hits[1]["score"]
            image = await client.read_resource(hits[0]["image"])
            assert base64.b64decode(image.contents[0].blob)[:8] == PNG_MAGIC

            scoped = await client.call_tool(
                "search", {"query": "net present value", "docs": ["gnuplot-expressions.pdf"]}
            )
            assert {hit["doc"] for hit in scoped.structured_content["result"]} == {"gnuplot-expressions.pdf"}

            page = await client.call_tool("get_page", {"doc": hits[0]["doc"], "page": hits[0]["page"]})
            assert not page.is_error and [block.type for block in page.content] == ["text", "image"]
            assert "present value" in page.content[0].text.lower()
            png = base64.b64decode(page.content[1].data)
            assert page.content[1].mime_type == "image/png" and png[:8] == PNG_MAGIC and len(png) > 5000

            missing = await client.call_tool("get_page", {"doc": "no-such.pdf", "page": 1})
            assert missing.is_error and "no document named" in missing.content[0].text
            beyond = await client.call_tool("get_page", {"doc": "gnuplot-expressions.pdf", "page": 99})
            assert beyond.is_error and "pages 1-" in beyond.content[0].text

            for path in (str(outside), "../outside.md", "sneaky.md", "/etc/passwd"):
                refused = await client.call_tool("add", {"path": path})
                assert refused.is_error and "outside the folder" in refused.content[0].text, path
            added = await client.call_tool("add", {"path": "capybara.md"})
            assert not added.is_error, added.content
            assert [(f["name"], f["status"]) for f in added.structured_content["result"]] == [
                ("capybara.md", "added")
            ]
            names = [
                d["name"] for d in (await client.call_tool("list_documents", {})).structured_content["result"]
            ]
            assert "capybara.md" in names and "outside.md" not in names and "sneaky.md" not in names
            hay = await client.call_tool("search", {"query": "capybara pond hay", "k": 1})
            assert hay.structured_content["result"][0]["doc"] == "capybara.md"
            (allowed / "capybara.md").write_text("# Capybara care\n\nCapybaras also like warm mud baths.\n")
            replaced = await client.call_tool("add", {"path": "capybara.md", "replace": True})
            assert [(f["name"], f["status"]) for f in replaced.structured_content["result"]] == [
                ("capybara.md", "updated")
            ]

            # asked of the replaced text: "what do they need every day?" is no longer answered by it (abstained)
            answer = await client.call_tool("ask", {"question": "What do capybaras like to bathe in?"})
            assert not answer.is_error
            assert any(c["doc"] == "capybara.md" for c in answer.structured_content["citations"])
            assert "mud baths" in answer.structured_content["answer"]

    asyncio.run(session())


@pytest.mark.slow
def test_read_only_by_default_and_streamable_http_on_localhost(sample_library, offline_env, tmp_path):
    async def stdio_session() -> None:
        async with over_stdio(sample_library, offline_env) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            assert names == {"search", "ask", "list_documents", "get_page"}
            empty = await client.call_tool("search", {"query": "   "})
            assert empty.is_error and "empty query" in empty.content[0].text

    asyncio.run(stdio_session())

    port = free_port()
    server = subprocess.Popen(
        mcp_command(sample_library, "--http", str(port)),
        env=offline_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, server, timeout_s=240)

        async def http_session() -> None:
            async with Client(f"http://127.0.0.1:{port}/mcp") as client:
                documents = await client.call_tool("list_documents", {})
                names = {d["name"] for d in documents.structured_content["result"]}
                assert {"gnuplot-expressions.pdf", "maxima-finance.html"} <= names

        asyncio.run(http_session())
    finally:
        server.terminate()
        server.wait(timeout=30)
