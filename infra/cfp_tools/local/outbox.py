"""The outbox: every mail SES accepted, written as an ``.eml`` file a mail client can open.

Moto keeps sent mail in its in-process backend; the outbox follows that list, writes raw MIME verbatim and
builds a proper message for simple sends, and prints one line per mail.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import default
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from cfp_tools.local.usage import Meter
from cfp_tools.template import ACCOUNT_ID, REGION

_UNSAFE = re.compile(r"[^A-Za-z0-9@._-]+")


def simple_message(sent: Any) -> bytes:
    """A MIME message for a ``SendEmail`` (Simple) send, as SES would assemble it."""
    message = EmailMessage()
    message["From"] = sent.source
    destinations: dict[str, list[str]] = sent.destinations or {}
    for header, key in (("To", "ToAddresses"), ("Cc", "CcAddresses")):
        if destinations.get(key):
            message[header] = ", ".join(destinations[key])
    message["Subject"] = sent.subject or ""
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="amazonses.com")
    body = sent.body or ""
    if isinstance(body, dict):
        text, html = body.get("text"), body.get("html")
    elif body.lstrip().startswith("<"):
        text, html = None, body
    else:
        text, html = body, None
    message.set_content(text or "")
    if html:
        message.add_alternative(html, subtype="html")
    return bytes(message)


def message_bytes(sent: Any) -> bytes:
    """The bytes of one sent mail: raw sends verbatim, simple sends built into MIME."""
    raw = getattr(sent, "raw_data", None)
    if raw is not None:
        return raw if isinstance(raw, bytes) else str(raw).encode("utf-8", errors="surrogateescape")
    return simple_message(sent)


class Outbox:
    """Follows moto's SES backend and writes each newly sent mail into ``directory``."""

    def __init__(
        self,
        directory: Path,
        stop: threading.Event,
        log: Callable[[str], None],
        meter: Meter | None = None,
    ) -> None:
        self.directory = directory
        self.meter = meter
        self.stop = stop
        self.log = log
        self._seen = 0
        self._count = 0
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self.run, name="outbox", daemon=True)

    def _sent(self) -> list[Any]:
        from moto.ses.models import ses_backends

        messages: list[Any] = ses_backends[ACCOUNT_ID][REGION].sent_messages
        return messages

    def flush(self) -> None:
        """Write every mail sent since the last call (from the outbox's thread or a caller's)."""
        with self._lock:
            new = self._sent()[self._seen :]
            self._seen += len(new)
            for message in new:
                if hasattr(message, "raw_data") or hasattr(message, "body"):
                    self._write(message)

    def _write(self, sent: Any) -> None:
        data = message_bytes(sent)
        headers = BytesHeaderParser(policy=default).parsebytes(data)
        to = str(headers.get("To") or ", ".join(getattr(sent, "destinations", []) or []))
        subject = " ".join(str(headers.get("Subject") or "").split())
        now = datetime.now(UTC)
        self._count += 1
        first = _UNSAFE.sub("_", to.split(",")[0].strip().strip("<>"))[:60] or "unknown"
        path = self.directory / f"{now:%Y%m%dT%H%M%S}-{self._count:04d}-{first}.eml"
        path.write_bytes(data)
        self.log(f"mail {now:%H:%M:%S}  to {to}  subject {subject!r}  file {path}")

    def run(self) -> None:
        while not self.stop.wait(0.2):
            started, written = time.thread_time(), self._count
            self.flush()
            if self.meter is not None:
                # Its thread's CPU, a call per mail written.
                self.meter.add("outbox", time.thread_time() - started, calls=self._count - written)
        self.flush()
