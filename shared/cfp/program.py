"""The public program: the accepted posters, published from a snapshot an organizer takes, never built per
view.

A poster is in the program when its acceptance was mailed to its authors (the program never tells anyone
first) and it is not withdrawn. What is public about it: title, authors with their affiliations, the
abstract, its board and its poster session's time; no contact address, no review, nothing of rejected,
undecided or withdrawn work. Board numbers are given once (``P1``, ``P2``, ... in the order acceptances
were decided, or by hand) and kept across publications; a board's session is fixed by its number, so
republishing moves nobody. Each publication records what changed since the one before.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from cfp.clock import Clock
from cfp.model import Submission, Version
from cfp.ports import Bookkeeping, Snapshot
from cfp.release_records import in_program

BOARD_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{0,11}$"
# The file names the program is published and served under.
FILES = {
    "html": "program.html",
    "json": "program.json",
    "csv": "program.csv",
    "ics": "program.ics",
}
CONTENT_TYPES = {
    "program.html": "text/html; charset=utf-8",
    "program.json": "application/json",
    "program.csv": "text/csv; charset=utf-8",
    "program.ics": "text/calendar; charset=utf-8",
}
# Which file each published PDF link stands for (key and version): kept beside the program, never served.
PDF_FILES = "pdf-files.json"
# How many publications' changelogs the page shows.
CHANGELOG_SHOWN = 5


class BoardTaken(Exception):
    """Another poster holds the board asked for."""


class NotInProgram(Exception):
    """A board for a submission the program does not list (not accepted and mailed, or withdrawn)."""


class ProgramNotPublished(Exception):
    """No program has been published yet."""


class BoardRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    board: str = Field(pattern=BOARD_PATTERN, description="Letters, digits and hyphens, at most 12: P12.")


class ProgramAuthor(BaseModel):
    name: str
    affiliation: str


class Session(BaseModel):
    start: datetime
    end: datetime


class ProgramPoster(BaseModel):
    board: str
    id: str
    title: str
    authors: list[ProgramAuthor]
    abstract: str
    session: Session | None
    abstract_pdf: str | None = Field(
        default=None, description="Where the final abstract's PDF is, when its authors agreed to publish it."
    )
    poster_pdf: str | None = Field(
        default=None, description="Where the poster's PDF is, when its authors agreed to publish it."
    )


class PublicListing(BaseModel):
    """What the public program shows (or will show, at the next publication) about one poster."""

    board: str | None = Field(description="Given at the first publication that lists the poster.")
    session: Session | None
    title: str
    authors: list[ProgramAuthor]
    abstract: str
    pdfs: list[str] = Field(
        default_factory=list,
        description="The PDFs the program will link to (abstract, poster): where the authors agreed, and "
        "the file is on time and passes its check.",
    )


def public_listing(
    submission: Submission, markers: set[str], boards: Mapping[str, str], sessions: tuple[Session, ...]
) -> PublicListing | None:
    """The poster as the program lists it, for its authors to check before it is published; None when the
    program does not list it."""
    if not in_program(submission, markers):
        return None
    board = boards.get(submission.id)
    return PublicListing(
        board=board,
        session=session_of(board, sessions) if board else None,
        title=submission.title,
        authors=[ProgramAuthor(name=a.name, affiliation=a.affiliation or "") for a in submission.authors],
        abstract=submission.abstract,
    )


class Change(BaseModel):
    kind: Literal["added", "withdrawn", "changed"]
    board: str
    title: str
    fields: list[str] = Field(default_factory=list, description="For a change: what changed.")


class Publication(BaseModel):
    id: str
    published_at: datetime
    published_by: str
    changes: list[Change]


class Program(BaseModel):
    """One snapshot of the program, as published (or previewed: ``id`` empty)."""

    conference: str
    id: str
    published_at: datetime | None
    sessions: list[Session]
    posters: list[ProgramPoster]
    history: list[Publication] = Field(
        default_factory=list, description="The latest publications, newest first, with their changes."
    )


class Published(BaseModel):
    """What publishing answers: the snapshot's id, its time and what changed since the one before."""

    id: str
    published_at: datetime
    posters: int
    changelog: list[Change]


def parse_sessions(text: str) -> tuple[Session, ...]:
    """``PosterSessions``: ISO 8601 intervals with offsets, comma-separated (start/end); ValueError naming
    the one at fault."""
    sessions = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        start_text, slash, end_text = part.partition("/")
        try:
            start, end = datetime.fromisoformat(start_text), datetime.fromisoformat(end_text)
        except ValueError:
            raise ValueError(f"{part!r} is not an ISO 8601 interval start/end") from None
        if not slash or start.tzinfo is None or end.tzinfo is None:
            raise ValueError(f"{part!r}: give start/end, each with its offset (+02:00, Z)")
        if end <= start:
            raise ValueError(f"{part!r}: the session ends before it starts")
        sessions.append(Session(start=start, end=end))
    return tuple(sorted(sessions, key=lambda s: s.start))


class ProgramSource(Protocol):
    """What the program reads of the submissions: all of them at once, or one with its markers."""

    def snapshot(self) -> Snapshot: ...

    def get(self, submission_id: str) -> tuple[Submission, list[Version]]: ...


class Boards(Protocol):
    """Where board numbers are kept: by submission id."""

    def boards(self) -> dict[str, str]: ...

    def assign(self, wanted: Mapping[str, str], before: Mapping[str, str]) -> None:
        """Record ``wanted`` (id -> board) if the boards are still ``before``; BoardTaken otherwise."""
        ...


class ProgramStorage(Protocol):
    """Where published snapshots live, rendered, to be served as they are."""

    def current(self) -> Program | None: ...

    def publish(self, program: Program, rendered: Mapping[str, tuple[str, bytes]]) -> None: ...

    def read(self, name: str) -> tuple[str, bytes, str] | None:
        """A published file (its content type, its bytes, its ETag), or None before the first."""
        ...


def _board_number(board: str) -> int | None:
    found = re.fullmatch(r"P(\d+)", board)
    return int(found.group(1)) if found else None


def board_order(board: str) -> tuple[int, str]:
    number = _board_number(board)
    return (number if number is not None else 10**9, board)


def with_new_boards(chosen: list[Submission], boards: Mapping[str, str]) -> dict[str, str]:
    """Every chosen submission's board: the one it has, or the next free ``P<n>`` in the order its
    acceptance was decided (then by id)."""
    result = {s.id: boards[s.id] for s in chosen if s.id in boards}
    taken = set(boards.values())
    highest = max((n for n in map(_board_number, taken) if n is not None), default=0)
    fresh = sorted(
        (s for s in chosen if s.id not in boards), key=lambda s: (s.decided_at or s.created_at, s.id)
    )
    for submission in fresh:
        highest += 1
        while f"P{highest}" in taken:
            highest += 1
        result[submission.id] = f"P{highest}"
        taken.add(f"P{highest}")
    return result


def session_of(board: str, sessions: tuple[Session, ...]) -> Session | None:
    """A board's session: boards take turns through the sessions by number (P1 the first, P2 the second,
    ...), so the session a poster was given never changes when others join; other names go to the first."""
    if not sessions:
        return None
    number = _board_number(board)
    return sessions[(number - 1) % len(sessions)] if number else sessions[0]


def pdf_path(submission_id: str, what: str) -> str:
    """Where the program serves a poster's published PDF (``what``: abstract or poster)."""
    return f"/program/posters/{submission_id}/{what}.pdf"


def build(
    conference: str,
    records: Iterable[tuple[Submission, list[Version]]],
    markers: Mapping[str, set[str]],
    boards: Mapping[str, str],
    sessions: tuple[Session, ...],
    pdfs: Mapping[str, Mapping[str, Version]] | None = None,
) -> Program:
    """The program as it would be published now (boards for newcomers included, not yet recorded), with
    links to the PDFs in ``pdfs`` (by submission id, what they are: abstract, poster)."""
    chosen = [s for s, _ in records if in_program(s, markers.get(s.id, set()))]
    assigned = with_new_boards(chosen, boards)
    published = pdfs or {}
    posters = [
        ProgramPoster(
            board=assigned[s.id],
            id=s.id,
            title=s.title,
            authors=[ProgramAuthor(name=a.name, affiliation=a.affiliation or "") for a in s.authors],
            abstract=s.abstract,
            session=session_of(assigned[s.id], sessions),
            abstract_pdf=pdf_path(s.id, "abstract") if "abstract" in published.get(s.id, {}) else None,
            poster_pdf=pdf_path(s.id, "poster") if "poster" in published.get(s.id, {}) else None,
        )
        for s in chosen
    ]
    posters.sort(key=lambda p: board_order(p.board))
    return Program(conference=conference, id="", published_at=None, sessions=list(sessions), posters=posters)


def changelog(before: Program | None, after: Program) -> list[Change]:
    """What a publication changes for readers of the one before: posters added, withdrawn (or otherwise
    gone) and changed (naming the fields)."""
    old = {p.id: p for p in before.posters} if before else {}
    new = {p.id: p for p in after.posters}
    changes: list[Change] = []
    for poster in after.posters:
        previous = old.get(poster.id)
        if previous is None:
            changes.append(Change(kind="added", board=poster.board, title=poster.title))
            continue
        fields = [
            name
            for name in ("title", "authors", "abstract", "board", "session", "abstract_pdf", "poster_pdf")
            if getattr(previous, name) != getattr(poster, name)
        ]
        if fields:
            changes.append(Change(kind="changed", board=poster.board, title=poster.title, fields=fields))
    for poster in before.posters if before else []:
        if poster.id not in new:
            changes.append(Change(kind="withdrawn", board=poster.board, title=poster.title))
    return changes


Renderer = Callable[[Program], Mapping[str, tuple[str, bytes]]]
# The final uploads a program links to, by submission id and what they are (abstract, poster).
PdfChooser = Callable[[Snapshot], Mapping[str, Mapping[str, Version]]]


@dataclass(frozen=True, kw_only=True)
class ProgramDesk:
    """The organizers' program use cases: preview, publish, set a board."""

    conference: str
    sessions: tuple[Session, ...]
    source: ProgramSource
    bookkeeping: Bookkeeping
    boards: Boards
    storage: ProgramStorage
    render: Renderer
    clock: Clock
    pdfs: PdfChooser

    def _pdfs(self, snapshot: Snapshot) -> Mapping[str, Mapping[str, Version]]:
        return self.pdfs(snapshot)

    def preview(self) -> Program:
        snapshot = self.source.snapshot()
        program = build(
            self.conference,
            snapshot.records,
            snapshot.markers,
            self.boards.boards(),
            self.sessions,
            self._pdfs(snapshot),
        )
        published = self.storage.current()
        program.history = published.history[: CHANGELOG_SHOWN - 1] if published else []
        return program

    def publish(self, by: str) -> Published:
        """Record the boards of newcomers, then publish the snapshot with its changelog."""
        snapshot = self.source.snapshot()
        before = self.boards.boards()
        pdfs = self._pdfs(snapshot)
        program = build(self.conference, snapshot.records, snapshot.markers, before, self.sessions, pdfs)
        wanted = {p.id: p.board for p in program.posters if before.get(p.id) != p.board}
        if wanted:
            self.boards.assign(wanted, before)
        published = self.storage.current()
        now = self.clock.now().astimezone(UTC)
        changes = changelog(published, program)
        publication = Publication(
            id=now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3),
            published_at=now,
            published_by=by,
            changes=changes,
        )
        program.id, program.published_at = publication.id, now
        program.history = [publication, *(published.history if published else [])][:CHANGELOG_SHOWN]
        files = {
            submission_id: {what: {"key": v.key, "version_id": v.version_id} for what, v in chosen.items()}
            for submission_id, chosen in pdfs.items()
            if chosen
        }
        rendered = {**self.render(program), PDF_FILES: ("application/json", json.dumps(files).encode())}
        self.storage.publish(program, rendered)
        return Published(id=publication.id, published_at=now, posters=len(program.posters), changelog=changes)

    def set_board(self, submission_id: str, board: str) -> str:
        """Give a poster in the program a board by hand (BoardTaken when another holds it)."""
        found, _ = self.source.get(submission_id)
        if not in_program(found, self.bookkeeping.markers(submission_id)):
            raise NotInProgram(
                f"{submission_id} is not in the program: only accepted posters whose acceptance was "
                "mailed, and not withdrawn, have a board"
            )
        before = self.boards.boards()
        holder = next((sid for sid, b in before.items() if b.lower() == board.lower()), None)
        if holder is not None and holder != submission_id:
            raise BoardTaken(f"board {board} is {holder}'s")
        if before.get(submission_id) != board:
            self.boards.assign({submission_id: board}, before)
        return board
