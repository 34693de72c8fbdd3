"""A real HTTP server on 127.0.0.1 that records every request and answers like a chat-completions endpoint,
or with a scripted status, body or redirect: the operator's LLM server, an attacker's URL, an internal
service whose reply must not leak."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Recorder:
    status: int = 200
    reply: str = "The answer is on the page."  # the chat completion's content when status is 200
    body: str = ""  # raw body for other statuses
    location: str = ""  # Location header (a redirect)
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                recorder.seen.append(
                    Seen(self.command, self.path, dict(self.headers), self.rfile.read(length))
                )
                if recorder.status == 200:
                    data = json.dumps(
                        {"data": [{"id": "m"}]}
                        if self.command == "GET"
                        else {"choices": [{"message": {"role": "assistant", "content": recorder.reply}}]}
                    )
                else:
                    data = recorder.body
                encoded = data.encode()
                self.send_response(recorder.status)
                if recorder.location:
                    self.send_header("Location", recorder.location)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(encoded)))
                self.end_headers()
                self.wfile.write(encoded)

            do_GET = do_POST = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def authorizations(self) -> list[str]:
        return [s.headers.get("Authorization", "") for s in self.seen]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
