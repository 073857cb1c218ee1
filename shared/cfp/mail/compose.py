"""What every mail shares: the call's facts, the templates, and an author mail's subject and recipients.

Text and HTML parts come from the same context; HTML autoescapes everything authors typed. Subjects carry
the conference name and the submission id so mail clients thread and filter them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from cfp import deadline as rules
from cfp.mail.message import Mail
from cfp.model import Submission, Window

_TEMPLATES = Path(__file__).with_name("templates")

# With CopyAllAuthors, at most this many co-authors are copied: no one can make one submission mail fifty
# strangers.
MAX_COPIES = 10


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True)
class CallInfo:
    """What every mail says about the call itself."""

    conference: str
    window: Window
    organizers: tuple[str, ...]
    max_body_pages: int
    copy_all_authors: bool = False
    public_url: str = ""
    final_window: Window | None = None


class Composer:
    """The frame each family of mails builds on, so each family stays in a module of its own."""

    def __init__(self, call: CallInfo) -> None:
        self._call = call

    @property
    def window(self) -> Window:
        return self._call.window

    @property
    def final_window(self) -> Window:
        return self._call.final_window or self._call.window

    @property
    def organizers(self) -> tuple[str, ...]:
        return self._call.organizers

    @staticmethod
    def _render(name: str, context: dict[str, Any]) -> tuple[str, str]:
        env = _environment()
        text = env.get_template(f"{name}.txt.j2").render(context)
        html = env.get_template(f"{name}.html.j2").render(context)
        return text, html

    def _base(self, submission: Submission | None, subject: str) -> dict[str, Any]:
        deadline = self._call.window.deadline_for(submission)
        return {
            "conference": self._call.conference,
            "subject": subject,
            "deadline_text": rules.describe(deadline),
            "s": submission,
            "max_body_pages": self._call.max_body_pages,
        }

    def _author_mail(self, submission: Submission, subject_tail: str, template: str, **extra: Any) -> Mail:
        subject = f"[{self._call.conference}] {subject_tail} ({submission.id})"
        text, html = self._render(template, {**self._base(submission, subject), **extra})
        cc: tuple[str, ...] = ()
        if self._call.copy_all_authors:
            co_authors = {
                a.email for a in submission.authors if a.email and a.email != submission.contact_email
            }
            cc = tuple(sorted(co_authors)[:MAX_COPIES])
        return Mail(
            to=(submission.contact_email,),
            cc=cc,
            reply_to=self._call.organizers,
            subject=subject,
            text=text,
            html=html,
        )

    def _on_the_page(self, submission: Submission, call: str) -> str:
        """Where an author acts next: their submission's page when its address is known (opened by the link
        in the receipt, which holds the token), else the API ``call``."""
        base = self._call.public_url.rstrip("/")
        if base:
            return f"on your submission's page (open the link in your receipt mail; the page is {base}/)"
        return f"(ask for a new upload URL with POST /submissions/{submission.id}/{call})"
