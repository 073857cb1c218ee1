"""What the notifier does with a batch of events: author mails, each sent once, and one organizer digest.

Sending "once" is delegated to a ``SendOnce`` callable keyed by what the mail is about (the event id, or
the batch's event ids for a digest), so a redelivered message or a retried batch sends nothing new. A
recipient SES refuses for good is recorded and reported; it never blocks the rest of the queue.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from cfp.clock import Clock
from cfp.errors import RecipientRejected, SubmissionNotFound
from cfp.events import EventKind, NotificationEvent
from cfp.finals import MISSING_WORDS, missing_of
from cfp.mail.digest import DigestSection, digest_sections, digest_title
from cfp.mail.message import Mail
from cfp.mail.render import MailRenderer
from cfp.mail_feedback import held_for_suppression
from cfp.mailbox import MailboxQuota
from cfp.model import Decision, Submission, Version, find_upload, needs_reminder, upload_order
from cfp.observability import logger, metrics
from cfp.ports import FinalRepository, Snapshot, SubmissionRepository, SuppressionList, TokenSealer
from cfp.reviews import ReviewRepository

SendOnce = Callable[[str, Mail], None]

# A withdrawn submission's authors hear of the withdrawal and nothing more: an upload made with a URL issued
# before it is kept and shown to the organizers, but brings no verdict mail, and no reminder follows.
_ABOUT_ONE_UPLOAD = {EventKind.VERDICT, EventKind.LATE_UPLOAD}
_NOT_AFTER_WITHDRAWAL = {
    EventKind.VERDICT,
    EventKind.LATE_UPLOAD,
    EventKind.REMINDER,
    EventKind.ON_RECORD,
    EventKind.DECISION,
}
# Where a digest line links to: the submission's page in the console, or nowhere (with no public URL to
# build one from); never to a file itself.
LinkFor = Callable[[str, Version | None], str | None]


@dataclass
class BatchOutcome:
    """What a batch produced, for the digest."""

    events: list[NotificationEvent] = field(default_factory=list)
    bounces: list[tuple[str, str]] = field(default_factory=list)
    held: list[tuple[str, str]] = field(default_factory=list)
    # Addresses held back because they bounced for good or complained, and SES's reports of such.
    suppressed: list[tuple[str, str]] = field(default_factory=list)
    feedback: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class Notifier:
    store: SubmissionRepository
    renderer: MailRenderer
    send_once: SendOnce
    link_for: LinkFor
    clock: Clock
    sealer: TokenSealer
    quota: MailboxQuota
    suppressions: SuppressionList
    reviews: ReviewRepository
    finals: FinalRepository

    def handle(self, event: NotificationEvent, outcome: BatchOutcome) -> None:
        """Send the author mails an event calls for; remember it for the digest."""
        if event.kind is EventKind.CALL_CLOSED:
            self._close_call(event)
            return
        if event.kind is EventKind.FINALS_CLOSED:
            self._close_finals(event)
            return
        if event.kind is EventKind.MAIL_FEEDBACK:
            outcome.feedback.append((str(event.submission_id), str(event.detail.get("line", ""))))
            return
        if event.submission_id is None:
            raise ValueError(f"{event.kind} event without a submission id")
        try:
            submission, versions = self.store.get(event.submission_id)
        except SubmissionNotFound:
            logger.warning("event for an unknown submission", extra={"event_id": event.event_id})
            return
        mail = self._mail_for(event, submission, versions)
        if mail is not None:
            mail, suppressed = held_for_suppression(mail, self.suppressions)
            outcome.suppressed.extend((submission.id, address) for address in suppressed)
        if mail is not None:
            # What organizers send on purpose (decisions, resends) is never held back; what the submission is
            # owed (reminders, the confirmation) goes wherever it was admitted (``cfp.mailbox``).
            chosen = (
                event.kind is EventKind.DECISION
                or "resent_by" in event.detail
                or bool(event.kind is EventKind.FINAL_REMINDER and event.detail.get("sent_by"))
            )
            owed = (
                event.kind in {EventKind.REMINDER, EventKind.ON_RECORD, EventKind.FINAL_REMINDER}
                and not chosen
            )
            mail, held = self.quota.admit(mail, event.event_id, submission.id, always=chosen, owed=owed)
            outcome.held.extend((submission.id, address) for address in held)
        if mail is not None:
            try:
                self.send_once(event.event_id, mail)
            except RecipientRejected:
                for address in mail.recipients():
                    self.store.record_bounce(submission.id, address)
                    outcome.bounces.append((submission.id, address))
        quiet = {EventKind.REMINDER, EventKind.ON_RECORD, EventKind.FINAL_REMINDER}
        if event.kind not in quiet and "resent_by" not in event.detail:
            outcome.events.append(event)

    def _author_mail(
        self, event: NotificationEvent, submission: Submission, versions: list[Version]
    ) -> Mail | None:
        version = find_upload(versions, event.version, event.object_id)
        if submission.withdrawn and event.kind in _NOT_AFTER_WITHDRAWAL:
            logger.info("no author mail for a withdrawn submission", extra={"event_id": event.event_id})
            return None
        if (
            version is not None
            and event.kind in _ABOUT_ONE_UPLOAD
            and self._superseded(submission, versions, version)
        ):
            logger.info("a newer upload's mail will tell the author", extra={"event_id": event.event_id})
            return None
        match event.kind:
            case EventKind.SUBMITTED:
                sealed = event.detail.get("sealed_token")
                token = self.sealer.open(str(sealed), submission.id) if sealed else ""
                return self.renderer.receipt(submission, versions, token)
            case EventKind.WITHDRAWN:
                return self.renderer.withdrawn(submission)
            case EventKind.VERDICT if version is not None and version.verdict is not None:
                return self.renderer.verdict(submission, version)
            case EventKind.LATE_UPLOAD if version is not None:
                return self.renderer.late_upload(submission, version, versions)
            case EventKind.ON_RECORD:
                return self.renderer.on_record(submission, versions, bool(event.detail.get("corrected")))
            case EventKind.REMINDER if needs_reminder(submission, versions, self.renderer.window):
                return self.renderer.reminder(submission, versions, event.occurred_at)
            case EventKind.DECISION:
                outcome = Decision(str(event.detail["decision"]))
                note = str(event.detail.get("note") or "")
                comments = [str(c) for c in event.detail.get("comments") or []]
                corrected = bool(event.detail.get("corrected"))
                return self.renderer.decision(submission, outcome, note, corrected, comments)
        return None

    def _mail_for(
        self, event: NotificationEvent, submission: Submission, versions: list[Version]
    ) -> Mail | None:
        if event.kind is EventKind.FINAL_VERDICT:
            return self._final_mail(event, submission)
        if event.kind is EventKind.FINAL_REMINDER:
            return self._final_reminder(event, submission)
        return self._author_mail(event, submission, versions)

    def _final_mail(self, event: NotificationEvent, submission: Submission) -> Mail | None:
        """The check of a final upload, unless the submission was withdrawn or a newer upload of the same
        kind (and lateness) is on record, whose own mail tells the newest verdict."""
        if submission.withdrawn:
            return None
        finals = self.finals.finals(submission.id)
        version = find_upload(finals, event.version, event.object_id)
        if version is None or version.verdict is None:
            return None
        if self._superseded(submission, [v for v in finals if v.kind == version.kind], version, final=True):
            logger.info(
                "a newer final upload's mail will tell the author", extra={"event_id": event.event_id}
            )
            return None
        return self.renderer.final_verdict(submission, version, bool(event.detail.get("late")))

    def _final_reminder(self, event: NotificationEvent, submission: Submission) -> Mail | None:
        """What the final phase still misses, named, if it still misses what the reminder is about: an
        item sent since it was queued brings no mail."""
        if submission.withdrawn:
            return None
        finals = self.finals.finals(submission.id)
        missing = missing_of(submission, finals, self.renderer.final_window)
        about = str(event.detail.get("missing") or "anything")
        if not missing or (about != "anything" and about not in missing):
            logger.info("nothing is missing any more", extra={"event_id": event.event_id})
            return None
        first = [name for name in missing if name == about]
        words = [MISSING_WORDS[name] for name in [*first, *(n for n in missing if n != about)]]
        return self.renderer.final_reminder(
            submission, words, self.clock.now(), bool(event.detail.get("sent_by"))
        )

    def _final_status(self, snapshot: Snapshot, batch: list[NotificationEvent]) -> str:
        """When final versions arrived in this batch: how far the final phase has come, in one line."""
        if not any(event.kind is EventKind.FINAL_VERDICT for event in batch):
            return ""
        from cfp.final_desk import checklist_of

        checklist = checklist_of(snapshot, self.renderer.final_window)
        m = checklist.missing
        return (
            f"Final phase: {m['complete']} of {len(checklist.rows)} accepted posters complete; still missing "
            f"{m['abstract']} final abstract(s), {m['poster']} poster(s), {m['presenter']} presenter(s), "
            f"{m['consent']} publication choice(s)."
        )

    def _close_finals(self, event: NotificationEvent) -> None:
        """The organizers' final-phase digest, once: the checklist of every accepted poster."""
        from cfp.final_desk import checklist_of

        snapshot = self.store.snapshot()
        mail = self.renderer.finals_digest(checklist_of(snapshot, self.renderer.final_window))
        self._send_to_organizers(f"{event.event_id}:digest", mail)

    def _superseded(
        self, submission: Submission, versions: list[Version], version: Version, final: bool = False
    ) -> bool:
        """True when a newer upload of the same kind (on time or late) is on record: its mail, sent when
        its own event comes, carries the newest verdict. A burst of uploads in one batching window (one
        URL used ten times in a minute) so brings the author one mail, not ten."""
        window = self.renderer.final_window if final else self.renderer.window
        late = window.is_late(submission, version)
        peers = [v for v in versions if v.counted and window.is_late(submission, v) == late]
        newest = max(peers, key=upload_order)
        return (newest.number, newest.object_id) != (version.number, version.object_id)

    def digest(self, outcome: BatchOutcome) -> None:
        """One digest for everything the batch did; nothing for a quiet batch."""
        if not (outcome.events or outcome.bounces or outcome.held or outcome.suppressed or outcome.feedback):
            return
        snapshot = self.store.snapshot()
        everything = snapshot.records
        records = {s.id: (s, v) for s, v in everything}
        sections = digest_sections(
            outcome.events,
            records,
            self.link_for,
            outcome.bounces,
            outcome.held,
            outcome.suppressed,
            outcome.feedback,
        )
        key = hashlib.sha256(
            "|".join(
                sorted(e.event_id for e in outcome.events)
                + sorted(map(str, outcome.bounces))
                + sorted(f"held:{pair}" for pair in outcome.held)
                + sorted(f"suppressed:{pair}" for pair in outcome.suppressed)
                + sorted(f"feedback:{pair}" for pair in outcome.feedback)
            ).encode()
        ).hexdigest()
        mentioned = {entry.submission_id for section in sections for entry in section.entries}
        final_status = self._final_status(snapshot, outcome.events)
        for audience, hidden in self._audiences(snapshot, mentioned):
            shown = [
                DigestSection(
                    s.heading, s.one, s.many, [e for e in s.entries if e.submission_id not in hidden]
                )
                for s in sections
            ]
            if hidden and not any(s.entries for s in shown):
                continue
            mail = self.renderer.digest(
                digest_title(shown),
                shown,
                everything,
                self.clock.now(),
                to=audience,
                final_status=final_status,
            )
            self._send_to_organizers(f"digest:{key}{_audience_key(audience, hidden)}", mail)

    def _audiences(
        self, snapshot: Snapshot, mentioned: set[str]
    ) -> list[tuple[tuple[str, ...], frozenset[str]]]:
        """The organizers grouped by which of the ``mentioned`` submissions they declared a conflict with:
        a conflicted organizer is left out of every line about such a submission. Without conflicts, one
        audience: every organizer."""
        conflicted: dict[str, set[str]] = {}
        for submission_id, records in self.reviews.from_snapshot(snapshot).items():
            if submission_id in mentioned:
                for organizer, state in records.conflicts.items():
                    if state == "declared":
                        conflicted.setdefault(organizer.lower(), set()).add(submission_id)
        groups: dict[frozenset[str], list[str]] = {}
        for organizer in self.renderer.organizers:
            hidden = frozenset(conflicted.get(organizer.lower(), set()))
            groups.setdefault(hidden, []).append(organizer)
        return [(tuple(members), hidden) for hidden, members in groups.items()]

    def _close_call(self, event: NotificationEvent) -> None:
        """The final digest with every submission; authors get their confirmations from ON_RECORD events.
        Its list leaves out the decisions an organizer declared a conflict with."""
        snapshot = self.store.snapshot()
        everything = snapshot.records
        for audience, hidden in self._audiences(snapshot, {s.id for s, _ in everything}):
            final = self.renderer.digest(
                "Final digest: the call is closed",
                [],
                everything,
                self.clock.now(),
                full_list=True,
                to=audience,
                hidden_decisions=hidden,
            )
            self._send_to_organizers(f"{event.event_id}:digest{_audience_key(audience, hidden)}", final)

    def _send_to_organizers(self, key: str, mail: Mail) -> None:
        """A refused organizer address is a configuration error: logged loudly, not retried forever."""
        try:
            self.send_once(key, mail)
        except RecipientRejected:
            logger.exception("SES refused the organizers' digest", extra={"recipients": mail.recipients()})
            metrics.add_metric(name="DigestRejected", unit="Count", value=1)


def _audience_key(audience: tuple[str, ...], hidden: frozenset[str]) -> str:
    """What tells one audience's digest from another's in its once-only key; nothing for the whole
    committee with nothing hidden, so a digest keeps the key it had before any conflict existed."""
    if not hidden:
        return ""
    return ":" + hashlib.sha256("|".join(sorted(audience)).encode()).hexdigest()[:12]
