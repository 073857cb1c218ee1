"""What the API answers about uploads, in both phases: the presigned POST an author is given, and each
upload with its verdict as authors and organizers see it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from cfp.formatcheck.models import Verdict
from cfp.model import UploadKind, Version

# A PDF or zip link from the console lives this long: enough to open it, too short to pass around.
PDF_LINK_SECONDS = 300


class PdfLink(BaseModel):
    """A presigned GET of one file, for organizers."""

    url: str
    expires_at: datetime


class UploadTicket(BaseModel):
    """A presigned POST: send ``fields`` and then the file as multipart/form-data to ``url``."""

    version: int
    url: str
    fields: dict[str, str]
    expires_at: datetime
    max_bytes: int


class VersionView(BaseModel):
    version: int
    kind: UploadKind = Field(
        default="abstract", description="abstract (the first phase), final (the final abstract) or poster."
    )
    issued_at: datetime
    uploaded_at: datetime | None
    size: int | None
    late: bool
    verdict: Verdict | None
    attention: str | None = None
    after_withdrawal: bool = Field(
        default=False, description="Uploaded after the submission was withdrawn: kept, never mailed about."
    )


class UploadIssued(BaseModel):
    upload: UploadTicket


def link_to_upload(
    uploads: list[Version],
    number: int,
    object_id: str | None,
    sign: Callable[[str, str | None, int], str],
    now: datetime,
) -> PdfLink | None:
    """A presigned GET of exactly one recorded upload (its slot ``number`` and, if given, its object), or
    None when there is no such upload; the console's first versions and final uploads alike."""
    upload = next(
        (
            v
            for v in uploads
            if v.number == number and v.uploaded and (object_id is None or v.object_id == object_id)
        ),
        None,
    )
    if upload is None:
        return None
    url = sign(upload.key, upload.version_id, PDF_LINK_SECONDS)
    return PdfLink(url=url, expires_at=now + timedelta(seconds=PDF_LINK_SECONDS))
