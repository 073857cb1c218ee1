"""Configuration, parsed once from the environment that ``template.yaml`` sets.

Every resource name and every organizer-facing rule reaches the code through these variables, so the
template is the only place where names are written down. Every handler loads them at import
(``wiring.load_settings``), so a missing or malformed variable fails at cold start with a ``SettingsError``
naming it, instead of at the first request that needs it. A plain pydantic model reads
the variables itself: pydantic-settings would add about 45 ms to every function's cold start for a
feature set this needs none of.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cfp.deadline import parse_deadline

if TYPE_CHECKING:
    from cfp.formatcheck.models import FormatSpec, PosterSpec
    from cfp.model import Window


# Where the final phase's window ends when the call sets no final deadline: far, but within every range the
# service formats (``cfp.instants``).
NO_FINAL_DEADLINE = datetime(9997, 12, 31, 23, 59, 59, tzinfo=UTC)


class SettingsError(ValueError):
    """The environment lacks a variable the function needs, or holds a malformed one; the message names it."""

    @classmethod
    def of(cls, error: ValidationError) -> SettingsError:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']).upper()}: {item['msg']}" for item in error.errors()
        )
        return cls(f"the function's environment is not valid: {problems}")


class Settings(BaseModel):
    """The service's settings; field names are the environment variables in upper case."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    def __init__(self, **values: Any) -> None:
        """Values given win; every other field is read from its environment variable."""
        names = {name.upper(): name for name in type(self).model_fields}
        found = {names[key.upper()]: value for key, value in os.environ.items() if key.upper() in names}
        super().__init__(**{**found, **values})

    conference_name: str = Field(min_length=1)
    deadline: datetime
    grace_seconds: int = Field(default=0, ge=0)
    sender_email: str = Field(min_length=3)
    organizer_emails: tuple[str, ...] = ()
    max_upload_mb: int = Field(default=10, ge=1, le=100)
    max_body_pages: int = Field(default=2, ge=1)
    allowed_origin: str = "*"
    upload_url_ttl_seconds: int = Field(default=900, ge=60, le=7 * 24 * 3600)
    reminder_hours: tuple[int, ...] = (72, 24, 3)
    copy_all_authors: bool = False
    table_name: str
    bucket_name: str
    upload_prefix: str = "uploads/"
    notification_queue_url: str
    receipt_token_key_id: str = Field(min_length=1)
    # Only the deadline keeper is given these: it puts back uploads whose event was lost and flags those
    # whose messages were dead-lettered.
    validation_queue_url: str = ""
    validation_dead_letter_queue_url: str = ""
    idempotency_table_name: str = ""
    public_url: str = ""
    # The API is given these for the organizers' console: the secret that signs sessions, and the
    # dead-letter queues whose counts the console shows.
    session_key_secret_arn: str = ""
    # Requests for sign-in links: the API queues each one, the sign-in function mails the link.
    sign_in_queue_url: str = ""
    notification_dead_letter_queue_url: str = ""
    # The archive of every PDF: its queue (the API queues jobs; the console shows and moves back its dead
    # letters, and those of the validation queue; the deadline keeper marks failed the jobs whose messages
    # were dead-lettered), and the prefix its zips are written under, apart from the uploads and outside
    # the validator's event filter.
    archive_queue_url: str = ""
    archive_dead_letter_queue_url: str = ""
    archive_prefix: str = "archives/"
    # The API queues releases of decisions and bulk decisions here for the releaser, and shows and moves
    # back its dead letters.
    release_queue_url: str = ""
    release_dead_letter_queue_url: str = ""
    max_receive_count: int = Field(default=5, ge=1)
    # Abuse limits (README, "Limits"); 0 turns a limit off.
    max_uploads_per_submission: int = Field(default=20, ge=0)
    max_mails_per_mailbox_per_hour: int = Field(default=10, ge=0)
    max_submissions_per_client_per_hour: int = Field(default=60, ge=0)
    mails_per_second: float = Field(default=7.0, gt=0)
    # The SES configuration set every send names: its event destination reports bounces and complaints.
    configuration_set: str = ""
    # The public program's poster sessions: ISO 8601 intervals with offsets, comma-separated.
    poster_sessions: str = ""
    # The final phase (``cfp.finals``): its deadline (none: it stays open), the poster's printed size and
    # the largest poster file.
    final_deadline: datetime | None = None
    poster_size: str = "A0 portrait"
    max_poster_mb: int = Field(default=25, ge=1, le=100)

    @field_validator("deadline", mode="before")
    @classmethod
    def _parse_deadline(cls, value: object) -> datetime:
        if isinstance(value, datetime):
            return value
        return parse_deadline(str(value))

    @field_validator("final_deadline", mode="before")
    @classmethod
    def _parse_final_deadline(cls, value: object) -> datetime | None:
        if value is None or isinstance(value, datetime):
            return value
        return parse_deadline(str(value)) if str(value).strip() else None

    @model_validator(mode="after")
    def _final_after_the_call(self) -> Settings:
        if self.final_deadline is not None and self.final_deadline <= self.deadline:
            raise ValueError(
                f"FINAL_DEADLINE ({self.final_deadline.isoformat()}) must come after DEADLINE "
                f"({self.deadline.isoformat()}): final versions follow the decisions"
            )
        return self

    @field_validator("poster_size")
    @classmethod
    def _check_poster_size(cls, value: str) -> str:
        from cfp.formatcheck.models import PosterSpec

        PosterSpec.parse(value)
        return value

    @field_validator("poster_sessions")
    @classmethod
    def _check_sessions(cls, value: str) -> str:
        from cfp.program import parse_sessions

        parse_sessions(value)
        return value

    @field_validator("organizer_emails", mode="before")
    @classmethod
    def _split_emails(cls, value: object) -> tuple[str, ...]:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()

    @field_validator("reminder_hours", mode="before")
    @classmethod
    def _split_hours(cls, value: object) -> tuple[int, ...]:
        if isinstance(value, str):
            return tuple(sorted((int(part) for part in value.split(",") if part.strip()), reverse=True))
        return tuple(int(v) for v in value) if isinstance(value, list | tuple) else ()

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def grace(self) -> timedelta:
        return timedelta(seconds=self.grace_seconds)

    @property
    def format_spec(self) -> FormatSpec:
        """The format rules this call's parameters set (the rest are the checker's defaults); their models
        load here, in the functions that judge or re-judge a file, not with the settings at cold start."""
        from cfp.formatcheck.models import FormatSpec

        return FormatSpec(max_body_pages=self.max_body_pages, max_bytes=self.max_upload_bytes)

    @property
    def window(self) -> Window:
        from cfp.model import Window

        return Window(self.deadline, self.grace)

    @property
    def final_window(self) -> Window:
        """The final phase's deadline and grace; with no final deadline set, one no upload reaches."""
        from cfp.model import Window

        return Window(self.final_deadline or NO_FINAL_DEADLINE, self.grace, final=True)

    @property
    def max_poster_bytes(self) -> int:
        return self.max_poster_mb * 1024 * 1024

    @property
    def poster_spec(self) -> PosterSpec:
        from cfp.formatcheck.models import PosterSpec

        return PosterSpec.parse(self.poster_size, max_bytes=self.max_poster_bytes)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use (a handler's import)."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError.of(error) from None
