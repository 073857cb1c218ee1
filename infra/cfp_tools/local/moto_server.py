"""moto's server answering on kept-alive connections, as AWS's endpoints do.

Werkzeug's development server, which moto's server runs on, closes the connection after every answer
(``Connection: close``) and then waits 10 ms for stray bytes to discard, so every AWS call a function
or a poller makes opens a TCP connection, and moto starts a thread for it: under load that cost as much
CPU as moto's own work on the requests. Here a request's body is read whole (its ``Content-Length``)
before moto sees it, so the connection is at the next request's start once the answer is written and
can stay open. A chunked request body is left to Werkzeug's own handling, which closes the connection.

An answer goes out as its headers and then its body, two writes: with Nagle's algorithm on, the body waits
for the client's acknowledgement of the headers, which the client delays by up to 40 ms, so every AWS call
took 40 ms of waiting on a kept-alive connection. The server's sockets send at once (``TCP_NODELAY``).
"""

from __future__ import annotations

import io
import traceback
from collections.abc import Iterable
from typing import Any

from werkzeug.serving import WSGIRequestHandler

# Answers that never carry a body, so never a length either.
_BODILESS = {204, 304}


def keep_alive(handler: type[WSGIRequestHandler]) -> type[WSGIRequestHandler]:
    """``handler`` (moto's request handler) answering with a length and leaving the connection open."""

    class KeptAlive(handler):  # type: ignore[valid-type, misc]
        disable_nagle_algorithm = True

        def run_wsgi(self) -> None:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                super().run_wsgi()
                return
            if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
                self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            environ = self.make_environ()
            length = int(self.headers.get("Content-Length") or 0)
            environ["wsgi.input"] = io.BytesIO(self.rfile.read(length) if length > 0 else b"")
            status, headers, body = self._call(environ)
            code = int(status.split(None, 1)[0])
            self.send_response(code, status.partition(" ")[2])
            names = set()
            for name, value in headers:
                if name.lower() not in {"connection", "transfer-encoding"}:
                    self.send_header(name, value)
                    names.add(name.lower())
            if "content-length" not in names and code not in _BODILESS and not 100 <= code < 200:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body and self.command != "HEAD" and code not in _BODILESS:
                self.wfile.write(body)
            self.wfile.flush()

        def _call(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
            """The application's status, headers and whole body; a 500 (and a closed connection) when it
            raises, logged as Werkzeug logs it."""
            started: list[Any] = []
            written: list[bytes] = []

            def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                started[:] = [status, headers]
                return written.append

            try:
                result: Iterable[bytes] = self.server.app(environ, start_response)
                try:
                    written.extend(result)
                finally:
                    close = getattr(result, "close", None)
                    if close is not None:
                        close()
                return started[0], started[1], b"".join(written)
            except Exception:
                self.server.log("error", "Error on request:\n%s", traceback.format_exc())
                self.close_connection = True
                headers = [("Content-Type", "text/plain; charset=utf-8")]
                return "500 INTERNAL SERVER ERROR", headers, b"Internal Server Error"

    KeptAlive.__name__ = KeptAlive.__qualname__ = f"KeptAlive{handler.__name__}"
    return KeptAlive
