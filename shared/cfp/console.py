"""What organizers do with the call, independent of HTTP: what they read of it (the list,
one submission, its PDFs, the exports and counts), behind the console at ``/organizers`` and ``cfp
admin``, written once and called from both. What organizers change is ``cfp.console_changes``', what
operators run ``cfp.operations``', deciding and releasing decisions ``cfp.releases``'.

Every change names who made it and is recorded with the time.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from cfp import deadline as rules
from cfp.archive import (
    ArchiveEntry,
    Contents,
    select_entries,
    select_final_entries,
)
from cfp.clock import Clock
from cfp.console_views import (
    ROW_COLUMNS,
    AuditView,
    Cell,
    Export,
    Stats,
    SubmissionDetail,
    SubmissionList,
    UploadDetail,
)
from cfp.errors import (
    UploadNotFound,
)
from cfp.finals import final_view
from cfp.model import (
    Submission,
    Version,
    current_version,
    late_versions,
    status_of,
)
from cfp.neutral import neutral_submission
from cfp.ports import (
    AuditEntry,
    Bookkeeping,
    FinalRepository,
    Snapshot,
    SubmissionRepository,
    UploadStorage,
)
from cfp.release_records import decision_sent, in_program
from cfp.reviews import (
    AGGREGATES,
    ReviewRecords,
    ReviewRepository,
    Sight,
)
from cfp.settings import Settings
from cfp.submission_views import facts_of
from cfp.upload_views import PdfLink, link_to_upload


@dataclass(frozen=True, kw_only=True)
class Console:
    """What organizers read of the call: the list, one submission, its PDFs, the exports, the counts."""

    settings: Settings
    store: SubmissionRepository
    bookkeeping: Bookkeeping
    bucket: UploadStorage
    clock: Clock
    reviews: ReviewRepository
    finals: FinalRepository

    def _reviewing(self, snapshot: Snapshot) -> dict[str, ReviewRecords]:
        return self.reviews.from_snapshot(snapshot)

    def _records(self, submission_id: str) -> ReviewRecords:
        return self.reviews.review_records(submission_id)

    def listing(self, viewer: str | None = None) -> SubmissionList:
        """Every submission in one answer: one Scan, one compact row each, its reviewing and decision as
        ``viewer`` may see them (without a viewer, an operator's view: decisions, no reviewing)."""
        snapshot = self.store.snapshot()
        reviewing = self._reviewing(snapshot)
        window = self.settings.window
        rows: list[list[Cell]] = []
        counts: Counter[str] = Counter()
        decisions: Counter[str] = Counter()
        for stored, versions in snapshot.records:
            submission = neutral_submission(stored)
            status = status_of(submission, versions, window)
            current = current_version(submission, versions, window)
            verdict = current.verdict if current else None
            sight = Sight(viewer, reviewing.get(submission.id, ReviewRecords()), submission)
            standing = sight.standing()
            sent = decision_sent(submission, snapshot.markers.get(submission.id, set()))
            counts[status.value] += 1
            if sight.sees_decision:
                decisions[submission.decision.value if submission.decision else "undecided"] += 1
                if submission.decision and not sent and not submission.withdrawn:
                    decisions["unsent"] += 1
            decision = submission.decision.value if submission.decision and sight.sees_decision else None
            rows.append(
                [
                    submission.id,
                    submission.title,
                    "; ".join(a.name for a in submission.authors),
                    submission.contact_email,
                    status.value,
                    verdict.outcome if verdict else None,
                    verdict.body_pages if verdict else None,
                    len(late_versions(submission, versions, window)),
                    submission.extension_until.isoformat() if submission.extension_until else None,
                    decision,
                    sent if sight.sees_decision else None,
                    submission.updated_at.isoformat(),
                    bool(verdict and verdict.measured_by_older_checker()),
                    *(getattr(standing, name) for name in AGGREGATES),
                    standing.conflicted,
                    standing.conflict_suggested,
                ]
            )
        now = self.clock.now()
        return SubmissionList(
            conference=self.settings.conference_name,
            deadline=self.settings.deadline,
            deadline_text=rules.describe(self.settings.deadline),
            now=now,
            columns=ROW_COLUMNS,
            rows=rows,
            counts=dict(counts),
            decisions={k: decisions.get(k, 0) for k in ("accepted", "rejected", "undecided", "unsent")},
        )

    def _detail(
        self,
        submission: Submission,
        versions: list[Version],
        markers: set[str],
        history: list[AuditEntry],
        sight: Sight,
    ) -> SubmissionDetail:
        window = self.settings.window
        submission = neutral_submission(submission)
        current = current_version(submission, versions, window)
        seen = sight.sees_decision
        return SubmissionDetail(
            **facts_of(submission, versions, window),
            extension_until=submission.extension_until,
            extension_granted_by=submission.extension_granted_by,
            extension_granted_at=submission.extension_granted_at,
            bounced=submission.bounced,
            decision=submission.decision if seen else None,
            decision_note=submission.decision_note if seen else "",
            decided_by=submission.decided_by if seen else None,
            decided_at=submission.decided_at if seen else None,
            decision_sent=decision_sent(submission, markers) if seen else None,
            versions=[
                UploadDetail(
                    version=v.number,
                    object_id=v.object_id,
                    issued_at=v.issued_at,
                    uploaded_at=v.uploaded_at,
                    size=v.size,
                    late=window.is_late(submission, v),
                    current=current is not None
                    and (v.number, v.object_id) == (current.number, current.object_id),
                    after_withdrawal=submission.uploaded_after_withdrawal(v),
                    verdict=v.verdict,
                    older_checker=bool(v.verdict and v.verdict.measured_by_older_checker()),
                    validated_at=v.validated_at,
                    attention=v.attention,
                    reused_url=v.reused_url,
                )
                for v in versions
            ],
            history=[
                AuditView(at=h.at, by=h.by, action=h.action, detail=h.detail) for h in sight.history(history)
            ],
            standing=sight.standing() if sight.viewer is not None else None,
            reviews=sight.reviews(),
            comments=sight.comments(),
        )

    def show(self, submission_id: str, viewer: str | None = None) -> SubmissionDetail:
        """One submission with every version, as ``viewer`` may see it; raises SubmissionNotFound."""
        submission, versions = self.store.get(submission_id)
        sight = Sight(viewer, self._records(submission_id), submission)
        markers = self.bookkeeping.markers(submission_id)
        detail = self._detail(submission, versions, markers, self.bookkeeping.history(submission_id), sight)
        # The final phase tells of the acceptance, which an organizer with a conflict is not shown.
        if sight.sees_decision and in_program(submission, markers):
            detail.final = final_view(submission, self.finals.finals(submission_id), self.settings)
        return detail

    def pdf_link(self, submission_id: str, version: int, object_id: str | None = None) -> PdfLink:
        """A presigned GET of exactly that upload, valid for a few minutes."""
        _, versions = self.store.get(submission_id)
        link = link_to_upload(versions, version, object_id, self.bucket.download_link, self.clock.now())
        if link is None:
            raise UploadNotFound(f"submission {submission_id} has no upload {version}")
        return link

    def stats(self) -> Stats:
        listed = self.listing()
        index = {name: i for i, name in enumerate(listed.columns)}
        return Stats(
            total=len(listed.rows),
            by_status=listed.counts,
            decisions=listed.decisions,
            late=sum(1 for row in listed.rows if row[index["late"]]),
            extensions=sum(1 for row in listed.rows if row[index["extension"]]),
            deadline_text=listed.deadline_text,
            time_left=rules.time_left(listed.now, self.settings.deadline),
        )

    def export_csv(self, viewer: str | None = None) -> bytes:
        """Every submission as a formula-safe CSV (the final digest's, with the decisions and the reviews'
        aggregates as ``viewer`` may see them)."""
        from cfp.mail.digest import submissions_csv

        snapshot = self.store.snapshot()
        reviewing = self._reviewing(snapshot)
        sights = {s.id: Sight(viewer, reviewing.get(s.id, ReviewRecords()), s) for s, _ in snapshot.records}
        return submissions_csv(snapshot.records, self.settings.window, sights)

    def export_json(self, viewer: str | None = None) -> bytes:
        """Everything on record: every submission with every version, verdict, decision and change, and the
        reviews ``viewer`` may see."""
        snapshot = self.store.snapshot()
        reviewing = self._reviewing(snapshot)
        document = Export(
            conference=self.settings.conference_name,
            deadline=self.settings.deadline,
            exported_at=self.clock.now(),
            submissions=[
                self._detail(
                    submission,
                    versions,
                    snapshot.markers.get(submission.id, set()),
                    snapshot.audit.get(submission.id, []),
                    Sight(viewer, reviewing.get(submission.id, ReviewRecords()), submission),
                )
                for submission, versions in snapshot.records
            ],
        )
        return json.dumps(document.model_dump(mode="json"), ensure_ascii=False, indent=1).encode()

    def pdf_files(self, include_late: bool = False, contents: Contents = "first") -> list[ArchiveEntry]:
        """The upload on record for every live submission (and, with ``include_late``, each late one), or
        the final abstracts or posters of the accepted ones, named as in the archive's zip
        (``cfp.archive``), so a folder of them sorts by id."""
        if contents != "first":
            return select_final_entries(
                self.store.snapshot(), self.settings.final_window, include_late, contents
            )
        return select_entries(self.store.all(), self.settings.window, include_late)
