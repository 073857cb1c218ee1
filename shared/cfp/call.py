"""The call's public facts: what the authors' page needs to state and check before anything is sent.

Everything here is already public (the call for posters states it), so ``GET /call`` needs no token. The
server's clock travels with it, so a page on a computer whose clock is off still counts down correctly.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from cfp import deadline as rules
from cfp import model
from cfp.settings import Settings


class FieldLimits(BaseModel):
    """The API's own limits on the submission's fields (characters, authors)."""

    title: int = model.TITLE_MAX
    author_name: int = model.NAME_MAX
    affiliation: int = model.AFFILIATION_MAX
    email: int = model.EMAIL_MAX
    abstract: int = model.ABSTRACT_MAX
    authors: int = model.AUTHORS_MAX


class CallFacts(BaseModel):
    conference: str
    deadline: datetime = Field(description="The last instant the call is open (extensions may be later).")
    deadline_text: str = Field(description="The deadline in AoE and UTC, as mails state it.")
    open: bool = Field(description="Whether new submissions are accepted now.")
    now: datetime = Field(description="The server's clock, to count down from.")
    max_upload_bytes: int
    max_body_pages: int
    limits: FieldLimits


def call_facts(settings: Settings, now: datetime) -> CallFacts:
    return CallFacts(
        conference=settings.conference_name,
        deadline=settings.deadline,
        deadline_text=rules.describe(settings.deadline),
        open=settings.window.is_open(now),
        now=now,
        max_upload_bytes=settings.max_upload_bytes,
        max_body_pages=settings.max_body_pages,
        limits=FieldLimits(),
    )
