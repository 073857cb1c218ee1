"""The final phase's mails: the check of a final abstract or poster, the reminder of what is still missing,
and the organizers' digest once the final deadline has passed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cfp import deadline as rules
from cfp.final_desk import Checklist
from cfp.mail.compose import Composer
from cfp.mail.digest import INLINE_LIMIT, safe_csv
from cfp.mail.message import Attachment, Mail
from cfp.model import Submission, Version

# A final window this far out stands for "no final deadline" (``cfp.settings.NO_FINAL_DEADLINE``).
NO_DEADLINE_YEAR = 9000


class FinalMails(Composer):
    """Mails about accepted posters' final versions, apart from the call's own."""

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
        text, html = self._render("finals_digest", context)
        return Mail(
            to=self._call.organizers, subject=subject, text=text, html=html, attachments=(attachment,)
        )
