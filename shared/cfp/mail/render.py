"""Rendering of every author mail and organizer digest: pure functions of the records and the time.

The call's own mails are here; the final phase's come from ``final_mails`` and what every mail shares from
``compose``, so callers still hold one ``MailRenderer``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote

from cfp import deadline as rules
from cfp.mail.compose import CallInfo
from cfp.mail.digest import INLINE_LIMIT, DigestSection, changes_csv, submissions_csv
from cfp.mail.final_mails import FinalMails
from cfp.mail.message import Attachment, Mail
from cfp.model import (
    Decision,
    Status,
    Submission,
    Version,
    current_version,
    late_versions,
    status_of,
)

# CallInfo configures the renderer, so callers take both from here.
__all__ = ["CallInfo", "MailRenderer"]

_HEADLINES = {
    "pass": "Your PDF passed the format check.",
    "warn": "Your PDF was accepted, with warnings worth a look.",
    "fail": "Your PDF does not meet the call's format rules yet.",
}


class MailRenderer(FinalMails):
    """Builds ``Mail`` objects; knows nothing of SES or DynamoDB."""

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
        text, html = self._render(
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
        text, html = self._render("digest", context)
        return Mail(
            to=to if to is not None else self._call.organizers,
            subject=subject,
            text=text,
            html=html,
            attachments=(attachment,) if attachment else (),
        )
