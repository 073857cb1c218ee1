"""Rendering of every author mail and organizer digest: pure functions of the records and the time.

Text and HTML parts come from the same context; HTML autoescapes everything authors typed. Subjects carry
the conference name and the submission id so mail clients thread and filter them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from cfp import deadline as rules
from cfp.final_desk import Checklist
from cfp.mail.digest import DigestSection, changes_csv, safe_csv, submissions_csv
from cfp.mail.message import Attachment, Mail
from cfp.model import (
    Decision,
    Status,
    Submission,
    Version,
    Window,
    current_version,
    late_versions,
    status_of,
)

_TEMPLATES = Path(__file__).with_name("templates")

# Past this many entries in one section, the digest body keeps a summary and the CSV carries the list,
# which keeps a burst of hundreds of uploads readable and far below SES's 40 MB message limit.
INLINE_LIMIT = 25
# A final window this far out stands for "no final deadline" (``cfp.settings.NO_FINAL_DEADLINE``).
NO_DEADLINE_YEAR = 9000

# With CopyAllAuthors, at most this many co-authors are copied: no one can make one submission mail fifty
# strangers.
MAX_COPIES = 10

_HEADLINES = {
    "pass": "Your PDF passed the format check.",
    "warn": "Your PDF was accepted, with warnings worth a look.",
    "fail": "Your PDF does not meet the call's format rules yet.",
}


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


def _render(name: str, context: dict[str, Any]) -> tuple[str, str]:
    env = _environment()
    text = env.get_template(f"{name}.txt.j2").render(context)
    html = env.get_template(f"{name}.html.j2").render(context)
    return text, html


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


class MailRenderer:
    """Builds ``Mail`` objects; knows nothing of SES or DynamoDB."""

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
        text, html = _render(template, {**self._base(submission, subject), **extra})
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

    def _manage_url(self, submission: Submission, token: str) -> str:
        """The authors' page, opened on this submission: id and token sit in the fragment, which browsers
        never send to a server (nor in a Referer), so neither reaches a log."""
        base = self._call.public_url.rstrip("/")
        return f"{base}/#id={submission.id}&token={quote(token)}" if base and token else ""

    def receipt(self, submission: Submission, versions: list[Version], token: str) -> Mail:
        expiry = max((v.expires_at for v in versions), default=None)
        return self._author_mail(
            submission,
            f"Received: {submission.title}",
            "receipt",
            manage_url=self._manage_url(submission, token),
            token=token,
            upload_expires=rules.describe(expiry) if expiry else "the deadline",
        )

    def _on_the_page(self, submission: Submission, call: str) -> str:
        """Where an author acts next: their submission's page when its address is known (opened by the link
        in the receipt, which holds the token), else the API ``call``."""
        base = self._call.public_url.rstrip("/")
        if base:
            return f"on your submission's page (open the link in your receipt mail; the page is {base}/)"
        return f"(ask for a new upload URL with POST /submissions/{submission.id}/{call})"

    def verdict(self, submission: Submission, version: Version) -> Mail:
        assert version.verdict is not None
        outcome = version.verdict.outcome
        problems = [p for p in version.verdict.problems]
        where = self._on_the_page(submission, "upload-url")
        if outcome == "fail":
            next_step = f"Fix the problems marked FAIL and upload a new version before the deadline {where}."
        elif outcome == "warn":
            next_step = (
                "Nothing more is required. If you want to address the warnings, upload a new version before "
                f"the deadline {where}."
            )
        else:
            next_step = "Nothing more is required. You can still upload a new version before the deadline."
        return self._author_mail(
            submission,
            f"Format check {outcome.upper()}: {submission.title}",
            "verdict",
            headline=_HEADLINES[outcome],
            v=version,
            problems=problems,
            received=rules.describe(version.uploaded_at) if version.uploaded_at else "",
            next_step=next_step,
        )

    def final_verdict(self, submission: Submission, version: Version, late: bool) -> Mail:
        """The check of a final abstract or a poster; a late one is kept and marked, not counted."""
        assert version.verdict is not None
        window = self._call.final_window or self._call.window
        what = "poster" if version.kind == "poster" else "final abstract"
        outcome = version.verdict.outcome
        deadline = rules.describe(window.deadline_for(submission))
        where = self._on_the_page(submission, "final-upload-url")
        if late:
            subject, headline = (
                f"Late {what} kept, not counted",
                f"Your {what} arrived after the final deadline.",
            )
            next_step = (
                f"It is kept for the organizers, but the {what} sent on time stands. "
                "Write to the organizers if it matters."
            )
        elif outcome == "fail":
            subject, headline = (
                f"{what.capitalize()} check FAIL",
                f"Your {what} does not meet the call's rules yet.",
            )
            next_step = f"Fix the problems marked FAIL and upload a new {what} by {deadline} {where}."
        else:
            subject = f"{what.capitalize()} check {outcome.upper()}"
            headline = f"Your {what} is received and checked."
            next_step = f"Nothing more is required for the {what}. You can still replace it until {deadline}."
        return self._author_mail(
            submission,
            f"{subject}: {submission.title}",
            "final_verdict",
            headline=headline,
            what=what,
            v=version,
            problems=list(version.verdict.problems),
            notes=list(version.verdict.notes),
            received=rules.describe(version.uploaded_at) if version.uploaded_at else "",
            next_step=next_step,
        )

    def final_reminder(self, submission: Submission, missing: list[str], now: datetime, asked: bool) -> Mail:
        """What the final phase still misses (named), before the final deadline or asked for by the
        organizers; ``missing`` holds the items' names as authors read them."""
        deadline = self.final_window.deadline_for(submission)
        open_ended = deadline.year >= NO_DEADLINE_YEAR
        where = self._on_the_page(submission, "final-upload-url")
        left = rules.time_left(now, deadline).removesuffix(" left")
        lead = (
            "The organizers ask you for what your accepted poster still misses."
            if asked or open_ended
            else f"{left[:1].upper() + left[1:]} until the final deadline ({rules.describe(deadline)})."
        )
        return self._author_mail(
            submission,
            f"Still missing, {missing[0]}{' and more' if len(missing) > 1 else ''}: {submission.title}",
            "final_reminder",
            lead=lead,
            missing=missing,
            due="" if open_ended else rules.describe(deadline),
            next_step=f"Send {'it' if len(missing) == 1 else 'them'} {where}.",
        )

    def finals_digest(self, checklist: Checklist) -> Mail:
        """The organizers' digest once the final deadline has passed: what arrived, what is missing, and
        the whole checklist as CSV."""
        rows = checklist.rows
        complete = sum(1 for row in rows if not row.missing)
        subject = (
            f"[{self._call.conference}] Final versions closed: {complete} of {len(rows)} posters complete"
        )
        table: list[list[Any]] = [list(checklist.columns)]
        for row in rows:
            table.append(
                [
                    getattr(row, name) if name != "missing" else " ".join(row.missing)
                    for name in checklist.columns
                ]
            )
        attachment = Attachment("final-checklist.csv", "text/csv", safe_csv(table))
        context = {
            **self._base(None, subject),
            "checklist": checklist,
            "complete": complete,
            "incomplete": [row for row in rows if row.missing][:INLINE_LIMIT],
            "more": max(0, len(rows) - complete - INLINE_LIMIT),
            "missing_text": checklist.missing_text(),
            "console_known": bool(self._call.public_url),
        }
        text, html = _render("finals_digest", context)
        return Mail(
            to=self._call.organizers, subject=subject, text=text, html=html, attachments=(attachment,)
        )

    def late_upload(self, submission: Submission, version: Version, versions: list[Version]) -> Mail:
        return self._author_mail(
            submission,
            f"Late upload kept, not counted: {submission.title}",
            "late_upload",
            v=version,
            current=current_version(submission, versions, self._call.window),
            received=rules.describe(version.uploaded_at) if version.uploaded_at else "",
        )

    def withdrawn(self, submission: Submission) -> Mail:
        return self._author_mail(submission, f"Withdrawn: {submission.title}", "withdrawn")

    def decision(
        self,
        submission: Submission,
        decision: Decision,
        note: str,
        corrected: bool = False,
        comments: Sequence[str] = (),
    ) -> Mail:
        """The organizers' decision, with their note (and the reviews' comments for the authors, when the
        release carries them, unnamed); sent only when the decisions are released. A ``corrected`` one
        replaces a decision the authors were sent before, and says so."""
        accepted = decision is Decision.ACCEPTED
        return self._author_mail(
            submission,
            ("Correction: " if corrected else "")
            + f"{'Accepted' if accepted else 'Not accepted'}: {submission.title}",
            "decision",
            accepted=accepted,
            note=note,
            corrected=corrected,
            comments=list(comments),
        )

    def sign_in(self, email: str, url: str, expires_at: datetime) -> Mail:
        """An organizer's one-time link to the console."""
        subject = f"[{self._call.conference}] Sign in to the organizers' console"
        text, html = _render(
            "sign_in", {**self._base(None, subject), "url": url, "expires_text": rules.describe(expires_at)}
        )
        return Mail(to=(email,), subject=subject, text=text, html=html)

    def reminder(self, submission: Submission, versions: list[Version], now: datetime) -> Mail:
        status = status_of(submission, versions, self._call.window)
        deadline = self._call.window.deadline_for(submission)
        where = self._on_the_page(submission, "upload-url")
        if status is Status.FAIL:
            missing = "your latest PDF does not pass the format check"
            next_step = f"Fix the problems from the verdict mail and upload a new version {where}."
        else:
            missing = "no PDF is on record for your submission yet"
            next_step = f"Upload your PDF before the deadline {where}."
        left = rules.time_left(now, deadline).removesuffix(" left")
        return self._author_mail(
            submission,
            f"Reminder, {left} left: {submission.title}",
            "reminder",
            time_left=left[:1].upper() + left[1:],
            missing=missing,
            next_step=next_step,
        )

    def on_record(self, submission: Submission, versions: list[Version], corrected: bool = False) -> Mail:
        current = current_version(submission, versions, self._call.window)
        return self._author_mail(
            submission,
            f"{'Corrected: c' if corrected else 'C'}all closed, on record: {submission.title}",
            "on_record",
            corrected=corrected,
            status=status_of(submission, versions, self._call.window).value,
            current=current,
            late=late_versions(submission, versions, self._call.window),
            received=rules.describe(current.uploaded_at) if current and current.uploaded_at else "",
        )

    def digest(
        self,
        title: str,
        sections: list[DigestSection],
        everything: list[tuple[Submission, list[Version]]],
        now: datetime,
        full_list: bool = False,
        to: tuple[str, ...] | None = None,
        hidden_decisions: frozenset[str] = frozenset(),
        final_status: str = "",
    ) -> Mail:
        """One organizer digest (to every organizer, or to ``to``); a CSV carries the entries when a section
        is long or ``full_list`` is set, without the decisions of ``hidden_decisions``."""
        totals = Counter(status_of(s, v, self._call.window).value for s, v in everything)
        entry_count = sum(len(section.entries) for section in sections)
        summary = (
            f"{entry_count} change{'' if entry_count == 1 else 's'} since the last digest."
            if not full_list
            else "The call is closed. The attached CSV lists every submission."
        )
        attachment: Attachment | None = None
        if full_list:
            attachment = Attachment(
                "submissions.csv",
                "text/csv",
                submissions_csv(everything, self._call.window, hidden=hidden_decisions),
            )
        elif any(len(section.entries) > INLINE_LIMIT for section in sections):
            attachment = Attachment("changes.csv", "text/csv", changes_csv(sections))
        subject = f"[{self._call.conference}] {title}"
        context = {
            **self._base(None, subject),
            "title": title,
            "summary": summary,
            "sections": [s for s in sections if s.entries],
            "inline_limit": INLINE_LIMIT,
            "totals": sorted(totals.items()),
            "total": len(everything),
            "time_left_text": rules.time_left(now, self._call.window.deadline).capitalize(),
            "attachment_name": attachment.filename if attachment else None,
            "console_known": bool(self._call.public_url),
            "final_status": final_status,
        }
        text, html = _render("digest", context)
        return Mail(
            to=to if to is not None else self._call.organizers,
            subject=subject,
            text=text,
            html=html,
            attachments=(attachment,) if attachment else (),
        )
