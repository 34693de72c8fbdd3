"""The OpenAI-compatible backend against a real HTTP server speaking chat completions (127.0.0.1, free
port, scripted replies), driven through the whole answer loop on a real Library."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from library_helpers import free_port
from rag_support import build_library

from pagelens import Settings
from pagelens.rag.agent import ask, iter_ask
from pagelens.rag.answerer import SYSTEM_PROMPT
from pagelens.rag.backends import backend_for
from pagelens.rag.openai_compat import OpenAICompatBackend

QUESTION = "How do I reset both seeds of gnuplot's rand() generator to their standard value?"
REWRITTEN = "How do I reset both seeds of gnuplot's rand() generator?"
LABEL = re.compile(r"\[[^\[\]]+ p\.\d+\]")


class ScriptedServer:
    """A chat-completions server whose next reply is chosen by the test (`mode`)."""

    def __init__(self) -> None:
        self.mode = "cite_first"
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _send(self, status: int, body: str) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except BrokenPipeError:  # the client gave up (the timeout case)
                    pass

            def do_GET(self) -> None:
                self._send(200, json.dumps({"data": [{"id": "scripted-model"}]}))

            def do_POST(self) -> None:
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(payload)
                if payload["messages"][0]["content"].startswith("Rewrite"):
                    content = REWRITTEN if server.mode != "garbage" else ""
                    return self._send(200, json.dumps({"choices": [{"message": {"content": content}}]}))
                user = payload["messages"][-1]["content"]
                has_images = isinstance(user, list) and any(p["type"] == "image_url" for p in user)
                prompt = user if isinstance(user, str) else " ".join(p.get("text", "") for p in user)
                labels = LABEL.findall(prompt)
                mode = server.mode
                if mode == "text_only" and has_images:
                    return self._send(400, json.dumps({"error": "this model does not accept image input"}))
                if mode == "broken":
                    return self._send(500, json.dumps({"error": "internal error while decoding image"}))
                if mode == "slow":
                    time.sleep(3)
                if mode == "garbage":
                    return self._send(200, "<html>502 upstream hiccup</html>")
                if mode == "nonsense":
                    content = "banana banana banana"
                elif mode == "unshown":
                    content = "Call rand(-1) [r-intro.pdf p.999]."
                elif mode == "decline":
                    content = "NOT_IN_LIBRARY"
                else:
                    content = f"Call rand(-1) to restore both seeds {labels[0]}."
                self._send(
                    200, json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]})
                )

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def library(tmp_path_factory, dev_docs):
    lib = build_library(tmp_path_factory.mktemp("lib"), dev_docs)
    yield lib
    lib.close()


@pytest.fixture
def server():
    srv = ScriptedServer()
    yield srv
    srv.close()


def settings_for(url: str, **extra) -> Settings:
    values = {"llm_backend": "openai", "llm_base_url": url, "llm_model": "", "llm_timeout_s": 10.0, **extra}
    return Settings(**values)


def errors(answer) -> list[str]:
    return [f"{s.title}: {s.detail}" for s in answer.steps if s.kind == "error"]


def test_a_good_answer_keeps_its_valid_citations_and_pages_go_as_images(library, server):
    answer = ask(library, QUESTION, settings=settings_for(server.url))
    assert answer.answerable and "rand(-1)" in answer.text
    assert not errors(answer)
    request = server.requests[-1]
    assert request["model"] == "scripted-model"  # discovered through GET /models
    parts = request["messages"][-1]["content"]
    assert any(
        p["type"] == "image_url" and p["image_url"]["url"].startswith("data:image/png;base64,") for p in parts
    )
    shown = LABEL.findall(" ".join(p.get("text", "") for p in parts))
    assert [c.label for c in answer.citations] == [shown[0]]


def test_a_text_only_model_gets_page_text_after_refusing_images(library, server):
    server.mode = "text_only"
    answer = ask(library, QUESTION, settings=settings_for(server.url))
    assert answer.answerable and answer.citations and not errors(answer)
    assert isinstance(server.requests[-1]["messages"][-1]["content"], str)
    assert "rand" in server.requests[-1]["messages"][-1]["content"]


def test_garbage_output_gives_an_error_step_and_the_extractive_answer(library, server):
    server.mode = "garbage"
    answer = ask(library, QUESTION, settings=settings_for(server.url))
    assert any("not a chat completion" in e for e in errors(answer))
    assert answer.answerable and ("gnuplot-expressions.pdf", 9) in {(c.doc, c.page) for c in answer.citations}


def test_a_reply_citing_nothing_it_was_shown_falls_back_to_extractive(library, server):
    server.mode = "nonsense"
    answer = ask(library, QUESTION, settings=settings_for(server.url))
    assert any("cites no page" in e for e in errors(answer))
    assert answer.citations and "banana" not in answer.text


def test_a_citation_of_a_page_not_shown_is_dropped(library, server):
    server.mode = "unshown"
    answer = ask(library, QUESTION, settings=settings_for(server.url))
    assert any("[r-intro.pdf p.999]" in e for e in errors(answer))
    assert all(c.doc != "r-intro.pdf" for c in answer.citations)
    assert "p.999" not in answer.text


def test_the_model_declining_means_not_answerable(library, server):
    server.mode = "decline"
    answer = ask(library, QUESTION, settings=settings_for(server.url))
    assert not answer.answerable and answer.citations == []


def test_a_slow_server_times_out_with_a_clear_message(library, server):
    server.mode = "slow"
    started = time.monotonic()
    answer = ask(library, QUESTION, settings=settings_for(server.url, llm_timeout_s=0.5))
    assert time.monotonic() - started < 30
    assert any("did not answer within 0.5 s" in e for e in errors(answer))
    assert answer.answerable and answer.citations


def test_a_dead_server_gives_a_clear_message_and_an_extractive_answer(library):
    answer = ask(
        library, QUESTION, settings=settings_for(f"http://127.0.0.1:{free_port()}/v1", llm_model="m")
    )
    assert any("cannot reach the LLM server" in e for e in errors(answer))
    assert answer.answerable and ("gnuplot-expressions.pdf", 9) in {(c.doc, c.page) for c in answer.citations}


def test_images_off_sends_text_from_the_first_request(server, library):
    backend = OpenAICompatBackend(settings_for(server.url, llm_images="off", llm_model="m"))
    answer = ask(library, QUESTION, settings=Settings(), backend=backend)
    assert answer.answerable
    assert len(server.requests) == 1 and isinstance(server.requests[0]["messages"][-1]["content"], str)


HISTORY = [
    {"role": "user", "content": "Which gnuplot function returns pseudo random numbers?"},
    {"role": "assistant", "content": "rand(x) [gnuplot-expressions.pdf p.9]"},
]


def test_the_model_rewrites_a_follow_up_from_the_conversation(library, server):
    answer = ask(library, "and how do I reset its seeds?", HISTORY, settings=settings_for(server.url))
    rewrite_request = server.requests[0]
    assert [m["role"] for m in rewrite_request["messages"]] == ["system", "user", "assistant", "user"]
    assert answer.steps[0].kind == "rewrite" and REWRITTEN in answer.steps[0].title
    assert "(openai)" in answer.steps[0].title
    assert answer.answerable and answer.citations


def test_a_failed_rewrite_keeps_the_rule_based_one_and_answers_extractively(library, server):
    server.mode = "garbage"
    answer = ask(library, "and how do I reset its seeds?", HISTORY, settings=settings_for(server.url))
    assert any("could not rewrite" in e for e in errors(answer))
    assert "(rules)" in next(s.title for s in answer.steps if s.kind == "rewrite")
    assert len(server.requests) == 1  # no answer request after the failure
    assert answer.answerable and ("gnuplot-expressions.pdf", 9) in {(c.doc, c.page) for c in answer.citations}


def has_images(request: dict) -> bool:
    content = request["messages"][-1]["content"]
    return isinstance(content, list) and any(p["type"] == "image_url" for p in content)


def test_a_refusal_of_images_is_remembered_across_questions(library, server):
    server.mode = "text_only"
    settings = settings_for(server.url)
    assert backend_for(settings) is backend_for(settings)  # one backend per configuration
    ask(library, QUESTION, settings=settings)
    first = len(server.requests)
    second = ask(library, QUESTION, settings=settings)
    assert second.answerable and second.citations
    later = server.requests[first:]
    assert later and not any(has_images(r) for r in later)  # no base64 pages re-sent to a text-only server


def test_a_server_error_is_a_failure_not_an_image_refusal(library, server):
    server.mode = "broken"
    settings = settings_for(server.url)
    answer = ask(library, QUESTION, settings=settings)
    assert any("HTTP 500" in e for e in errors(answer))
    assert backend_for(settings).send_images is None  # still willing to send images
    assert answer.answerable and answer.citations  # the extractive answer


def test_a_consumer_stopping_early_releases_the_connection(library, server):
    backend = OpenAICompatBackend(settings_for(server.url, llm_model="m"))
    items = iter_ask(library, "and how do I reset its seeds?", HISTORY, settings=Settings(), backend=backend)
    first = next(items)  # the rewrite step: the model was asked, a connection is open
    assert first.kind == "rewrite" and backend._http is not None
    items.close()
    assert backend._http is None
    assert ask(library, QUESTION, settings=Settings(), backend=backend).answerable  # and it reopens


def test_history_state_pages_and_citation_rules_reach_the_model(library, server):
    answer = ask(library, "and how do I reset its seeds?", HISTORY, settings=settings_for(server.url))
    assert answer.answerable
    request = server.requests[-1]
    messages = request["messages"]
    assert messages[0] == {"role": "system", "content": SYSTEM_PROMPT} and "Cite every fact" in SYSTEM_PROMPT
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[1]["content"] == HISTORY[0]["content"] and messages[2]["content"] == HISTORY[1]["content"]
    prompt = " ".join(p.get("text", "") for p in messages[-1]["content"])
    assert "[gnuplot-expressions.pdf p.9]" in prompt  # the page shown, with its label
    assert "pages cited in the previous answer: [gnuplot-expressions.pdf p.9]" in prompt
    assert REWRITTEN in prompt


def test_the_answer_eval_runs_through_an_openai_backend(server, tmp_path, monkeypatch):
    """`PAGELENS_LLM_BACKEND=openai pagelens eval DIR --ask` measures the model: every query and turn goes to
    the server, with the conversation so far for the turns after the first."""
    from answer_set import DOC, QUERIES, UNANSWERABLE, write_answer_set

    from pagelens import Library
    from pagelens.eval.ask_eval import run_ask_eval

    root = write_answer_set(tmp_path / "set")
    for name, value in {
        "PAGELENS_LLM_BACKEND": "openai",
        "PAGELENS_LLM_BASE_URL": server.url,
        "PAGELENS_LLM_TIMEOUT_S": "10",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env(library=tmp_path / "lib", lanes=["text"])
    with Library(tmp_path / "lib", settings=settings) as library:
        assert library.add(root / "docs" / DOC, progress=False).ok
        report = run_ask_eval(root, library=library)
    answers = [r for r in server.requests if not r["messages"][0]["content"].startswith("Rewrite")]
    assert len(answers) >= len(QUERIES) + len(UNANSWERABLE)
    assert report.queries == len(QUERIES) + len(UNANSWERABLE) and report.turns == 7
    assert report.answered >= 1 and all(
        "kettle-handbook.pdf" in str(r.cited) for r in report.results if r.answered
    )
    with_history = [r for r in answers if len(r["messages"]) > 2]
    assert with_history and with_history[-1]["messages"][1]["role"] == "user"
