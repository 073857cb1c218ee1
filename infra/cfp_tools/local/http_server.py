"""What the local stack's two HTTP servers share: the API front (``http_api``) and the S3 front.

Each binds 127.0.0.1 only, serves every request in a thread of its own from a thread it starts, takes any
method through one ``handle_request`` of its handler, and writes answers with a length, and no body to a HEAD.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cfp_tools.local.usage import Meter, metered


class LocalServer(ThreadingHTTPServer):
    """A threaded server on 127.0.0.1 (``port`` 0 picks a free one), run by ``start`` and ``stop``."""

    daemon_threads = True
    # socketserver's default backlog of 5 resets connections when more clients than that connect at once.
    request_queue_size = 128

    def __init__(
        self,
        port: int,
        handler: type[LocalHandler],
        name: str,
        meter: Meter | None = None,
        part_of: Callable[[BaseHTTPRequestHandler], tuple[str, str | None]] | None = None,
    ) -> None:
        """With a ``meter``, each request's CPU counts towards the part ``part_of`` names (``name``)."""
        if meter is not None:
            handler = metered(handler, meter, part_of or (lambda request: (name, None)))  # type: ignore[assignment]
        super().__init__(("127.0.0.1", port), handler)
        self.thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.1}, name=name, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Stop serving and release the port."""
        self.shutdown()
        self.server_close()


class LocalHandler(BaseHTTPRequestHandler, ABC):
    """Routes every method to ``handle_request``; quiet, since each server logs what it wants itself."""

    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; with Nagle's algorithm on a kept-alive connection the second
    # waits for the client's delayed ACK, 40 ms on every answer.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self.handle_request()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_GET

    @abstractmethod
    def handle_request(self) -> None:
        """Answer the request: each server routes it its own way."""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the API front prints its own request lines, and moto's traffic would drown the log."""

    def reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        """One answer: the status, ``headers``, the body's length and the body (none to a HEAD)."""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
