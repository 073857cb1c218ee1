"""Start ``cfp local`` as its own process, the way a developer does, and stop it with SIGTERM."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import boto3
import requests

ROOT = Path(__file__).resolve().parents[2]
_SCRIPT = Path(sys.executable).with_name("cfp")
CFP = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "cfp_tools.cli"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# The notifier's batching window and sending rate for stacks of the project's template under test, unless a
# test sets its own: the deployed minute would make every test that waits for a digest wait a minute, and
# the deployed 7 mails a second a story of forty mails wait six seconds (the window and the pacing have
# tests of their own).
TEST_PARAMETERS = {"DigestWindowSeconds": "2", "MailsPerSecond": "100"}


class RunningStack:
    """One ``cfp local`` process; its output goes to ``log`` so it can never block on a full pipe."""

    def __init__(self, workdir: Path, *arguments: str) -> None:
        self.port = free_port()
        self.outbox = workdir / "outbox"
        self.log = workdir / "cfp-local.log"
        given = " ".join(arguments)
        if "--template" not in arguments:
            for name, value in TEST_PARAMETERS.items():
                if f"{name}=" not in given:
                    arguments = (*arguments, "--param", f"{name}={value}")
        command = [*CFP, "local", "--port", str(self.port), "--outbox", str(self.outbox), *arguments]
        self.started = time.monotonic()
        with self.log.open("w") as sink:
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)
        self.api = f"http://127.0.0.1:{self.port}"
        self.startup_seconds = self._await_ready(timeout=60)
        output = self.output()
        self.s3 = _find(r"S3\s+(http://\S+)", output)
        self.aws = _find(r"AWS endpoint (http://[^)\s]+)", output)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def _await_ready(self, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "ready in" in self.output():
                return time.monotonic() - self.started
            if self.process.poll() is not None:
                raise AssertionError(f"cfp local exited with {self.process.returncode}:\n{self.output()}")
            time.sleep(0.05)
        self.process.kill()
        raise AssertionError(f"cfp local not ready after {timeout}s:\n{self.output()}")

    def stop(self) -> int:
        """SIGTERM, as a service manager sends it; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def settle(self, timeout: float = 120) -> None:
        """Wait until every event given to the stack has been followed through and its mail written: no
        later mail can come of it (``/_local/settled``)."""
        response = requests.get(f"{self.api}/_local/settled", params={"wait": timeout}, timeout=timeout + 30)
        document = response.json()
        assert document["settled"], (
            f"pending after {timeout}s: {document['pending']}\n{self.output()[-4000:]}"
        )

    def move_clock(self, instant: datetime) -> None:
        """Make ``instant`` the stack's present, for its functions, moto and the S3 front at once."""
        response = requests.post(f"{self.api}/_local/clock", params={"to": instant.isoformat()}, timeout=120)
        assert response.status_code == 200, response.text

    def client(self, service: Literal["s3", "sqs", "dynamodb"]) -> Any:
        """A boto3 client of the stack's moto, for what a test does behind the API's back."""
        return boto3.client(
            service,
            endpoint_url=self.aws,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def mails(self) -> list[Path]:
        return sorted(self.outbox.glob("*.eml"))

    def await_mail(self, predicate: str, timeout: float) -> Path:
        """The first outbox file whose bytes contain ``predicate``, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for path in self.mails():
                if predicate.encode() in path.read_bytes():
                    return path
            time.sleep(0.2)
        raise AssertionError(f"no mail containing {predicate!r} after {timeout}s:\n{self.output()[-4000:]}")


def _find(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in:\n{text}"
    return match.group(1)
