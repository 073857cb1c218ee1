"""The public program's PDF links: which final uploads a publication links to (those their authors agreed
to publish, on time and not failing their check), and, when a reader follows a link, a short-lived link to
exactly the file published, if its authors still agree.

A publication records which object each link stands for (``PDF_FILES``, never served), so a later upload
is public only at the next publication; withdrawing consent, or the submission, takes effect at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from cfp.errors import SubmissionNotFound, UploadNotFound
from cfp.finals import publishable
from cfp.model import Version, Window
from cfp.ports import Bookkeeping, Snapshot
from cfp.program import PDF_FILES, ProgramSource, ProgramStorage
from cfp.release_records import in_program

# How long a reader's link to a published PDF lives: enough to download a large poster.
PDF_SECONDS = 600


class PdfLinks(Protocol):
    """What a program's PDF link needs of the bucket."""

    def download_link(self, key: str, version_id: str | None, lifetime_seconds: int) -> str: ...


@dataclass(frozen=True, kw_only=True)
class ProgramPdfs:
    source: ProgramSource
    bookkeeping: Bookkeeping
    storage: ProgramStorage
    links: PdfLinks
    final_window: Window

    def chosen(self, snapshot: Snapshot) -> Mapping[str, Mapping[str, Version]]:
        """The final uploads the program links to, by submission id and what they are."""
        return {
            submission.id: publishable(submission, snapshot.finals.get(submission.id, []), self.final_window)
            for submission, _ in snapshot.records
            if in_program(submission, snapshot.markers.get(submission.id, set()))
        }

    def link(self, submission_id: str, what: str) -> str:
        """A short-lived link to the PDF the published program links to (UploadNotFound when it links to
        none, or its authors no longer agree to publish it)."""
        found = self.storage.read(PDF_FILES)
        published = json.loads(found[1]) if found else {}
        entry = published.get(submission_id, {}).get(what)
        if entry is None:
            raise UploadNotFound(f"the program publishes no {what} PDF for {submission_id}")
        try:
            submission, _ = self.source.get(submission_id)
        except SubmissionNotFound as error:
            raise UploadNotFound(f"the program publishes no {what} PDF for {submission_id}") from error
        agreed = submission.publish_abstract if what == "abstract" else submission.publish_poster
        if not agreed or not in_program(submission, self.bookkeeping.markers(submission_id)):
            raise UploadNotFound(f"the authors of {submission_id} no longer publish its {what} PDF")
        return self.links.download_link(str(entry["key"]), entry.get("version_id"), PDF_SECONDS)
