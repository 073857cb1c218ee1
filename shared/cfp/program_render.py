"""The published program's four files, rendered once at publication: the page (HTML, a handout when
printed), JSON, CSV (formula-safe) and iCalendar (one event per poster session, its posters in the
description). Authors' text reaches the page only through Jinja2's autoescaping."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files

from jinja2 import Environment, StrictUndefined, select_autoescape

from cfp.mail.digest import safe_csv
from cfp.neutral import neutral
from cfp.program import CONTENT_TYPES, FILES, Program, ProgramPoster, Session


@cache
def _environment() -> Environment:
    environment = Environment(
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["when"] = _when
    environment.filters["neutral"] = neutral
    return environment


def _when(instant: datetime | None) -> str:
    """An instant as the call's readers read it: in its own offset, with the offset said."""
    if instant is None:
        return ""
    offset = instant.strftime("%z")
    return instant.strftime("%A %d %B %Y, %H:%M") + f" (UTC{offset[:3]}:{offset[3:]})"


def _session_text(session: Session | None) -> str:
    if session is None:
        return ""
    return f"{_when(session.start)} to {session.end.strftime('%H:%M')}"


def html(program: Program, heading_note: str = "") -> bytes:
    template = _environment().from_string(
        files("cfp.web").joinpath("program.html.j2").read_text(encoding="utf-8")
    )
    return template.render(
        program=program,
        note=heading_note,
        session_text=_session_text,
        by_session=_by_session(program),
    ).encode("utf-8")


def _by_session(program: Program) -> list[tuple[Session | None, list[ProgramPoster]]]:
    """The posters grouped by their session, in the sessions' order (posters without one last)."""
    groups: dict[int, list[ProgramPoster]] = {}
    order = {(s.start, s.end): i for i, s in enumerate(program.sessions)}
    for poster in program.posters:
        key = order.get((poster.session.start, poster.session.end), -1) if poster.session else -1
        groups.setdefault(key, []).append(poster)
    sessions: list[Session | None] = [*program.sessions, None]
    return [(sessions[key], groups[key]) for key in sorted(groups, key=lambda k: k if k >= 0 else 10**6)]


def csv_file(program: Program) -> bytes:
    rows: list[list[object]] = [
        [
            "board",
            "id",
            "title",
            "authors",
            "affiliations",
            "session_start",
            "session_end",
            "abstract",
            "abstract_pdf",
            "poster_pdf",
        ]
    ]
    for poster in program.posters:
        rows.append(
            [
                poster.board,
                poster.id,
                poster.title,
                "; ".join(a.name for a in poster.authors),
                "; ".join(a.affiliation for a in poster.authors),
                poster.session.start.isoformat() if poster.session else "",
                poster.session.end.isoformat() if poster.session else "",
                poster.abstract,
                poster.abstract_pdf or "",
                poster.poster_pdf or "",
            ]
        )
    return safe_csv(rows)


def _ics_text(value: str) -> str:
    """RFC 5545 text: backslash, semicolon, comma and newlines escaped."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> list[str]:
    """A content line cut into lines of at most 75 octets, each continuation starting with a space."""
    data = line.encode("utf-8")
    parts: list[str] = []
    while len(data) > 75:
        cut = 75 if not parts else 74
        while cut > 0 and (data[cut] & 0xC0) == 0x80:
            cut -= 1
        parts.append(data[:cut].decode("utf-8"))
        data = data[cut:]
    parts.append(data.decode("utf-8"))
    return [parts[0], *(" " + p for p in parts[1:])]


def _stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ics_file(program: Program, host: str = "cfp") -> bytes:
    stamp = _stamp(program.published_at or datetime.now(UTC))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//{host}//poster program//EN", "CALSCALE:GREGORIAN"]
    for index, (session, posters) in enumerate(_by_session(program)):
        if session is None:
            continue
        listing = "\n".join(
            f"{p.board}: {neutral(p.title)} ({'; '.join(neutral(a.name) for a in p.authors)})"
            for p in posters
        )
        lines += [
            "BEGIN:VEVENT",
            f"UID:{program.id or 'preview'}-session-{index + 1}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_stamp(session.start)}",
            f"DTEND:{_stamp(session.end)}",
            f"SUMMARY:{_ics_text(f'{program.conference}: poster session {index + 1}')}",
            f"DESCRIPTION:{_ics_text(listing)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(folded for line in lines for folded in _fold(line)) + "\r\n").encode("utf-8")


def render(program: Program) -> Mapping[str, tuple[str, bytes]]:
    """Every published file by name: its content type and bytes."""
    bodies = {
        FILES["html"]: html(program),
        FILES["json"]: program.model_dump_json(indent=1).encode("utf-8"),
        FILES["csv"]: csv_file(program),
        FILES["ics"]: ics_file(program),
    }
    return {name: (CONTENT_TYPES[name], body) for name, body in bodies.items()}
