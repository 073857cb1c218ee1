"""The organizers' console in a real headless Chromium against ``cfp local``: sign in from the outbox's
link, list, filter, search, sort, open a submission and its PDF, export, decide, release and find the
decision mails in the outbox; and everything a signed-out browser, a reused link, an author's token or a
forged cookie gets (nothing). Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import csv
import email
import io
import json
import re
import time
import zipfile
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from cfp.console_views import ROW_COLUMNS
from cfp.reviews import CONFIDENCES, SCORES
from cfp_tools.pdfs import make_abstract
from tests.support.browser import AXE, DESKTOP, PHONE, shown_though_hidden
from tests.support.running import RunningStack
from tests.support.stories import read, text_of, upload, wait_for

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.slow

CHAIR = "chair@example.org"
# The call's six organizers. Each test signs in as its own, since an address mailed a link still
# unused gets no other for a minute (tested with the handlers): one test's request would hold back the next.
ORGANIZERS = [CHAIR, "cochair@example.org", *(f"organizer{n}@example.org" for n in range(3, 7))]
MAIL_SECONDS = 60


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    running = RunningStack(
        tmp_path_factory.mktemp("console"), "--param", f"OrganizerEmails={','.join(ORGANIZERS)}"
    )
    try:
        yield running
    finally:
        assert running.stop() == 0, running.output()[-4000:]


def create(stack: RunningStack, n: int, title: str) -> dict[str, Any]:
    address = f"author{n}@example.org"
    body: dict[str, Any] = {
        "title": title,
        "authors": [{"name": f"Author Number{n}", "email": address, "affiliation": "Somewhere"}],
        "contact_email": address,
        "abstract": "A poster about systems.",
    }
    response = requests.post(f"{stack.api}/submissions", json=body, timeout=30)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def verdict_of(stack: RunningStack, submission: dict[str, Any]) -> str:
    view = wait_for(lambda: read(stack, submission)["verdict"], 60, f"a verdict for {submission['id']}")
    return str(view["outcome"])


@pytest.fixture(scope="module")
def call(stack: RunningStack) -> list[dict[str, Any]]:
    """Five submissions: two passing, one failing, two with nothing uploaded yet."""
    made = [
        create(stack, 1, "Scheduling Inference on Shared GPUs"),
        create(stack, 2, "Learned Index Structures"),
        create(stack, 3, "A Three-Page Abstract"),
        create(stack, 4, "Disaggregated Memory for Everyone"),
        create(stack, 5, "Serverless Calls for Posters"),
    ]
    for submission, body_pages in zip(made[:3], (1, 2, 3), strict=True):
        assert upload(submission["upload"], make_abstract(body_pages=body_pages)).status_code == 204
    assert [verdict_of(stack, s) for s in made[:3]] == ["pass", "pass", "fail"]
    return made


def mail_file(stack: RunningStack, *needles: str) -> Message:
    path = stack.await_mail(needles[0], timeout=MAIL_SECONDS)
    deadline = time.monotonic() + MAIL_SECONDS
    while time.monotonic() < deadline:
        for candidate in stack.mails():
            data = candidate.read_bytes()
            if all(n.encode() in data for n in needles):
                return email.message_from_bytes(data)
        time.sleep(0.2)
    raise AssertionError(f"no mail with {needles} (first match {path})")


def sign_in_link(stack: RunningStack, before: set[Path], who: str = CHAIR) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for path in set(stack.mails()) - before:
            message = email.message_from_bytes(path.read_bytes())
            if message["To"] == who and "Sign in" in str(message["Subject"]):
                found = re.search(r"(http://\S+/organizers#signin=\S+)", text_of(message))
                assert found, text_of(message)
                return found.group(1)
        time.sleep(0.1)
    raise AssertionError("no sign-in mail within 20 s:\n" + stack.output()[-3000:])


def signed_in(stack: RunningStack, visit: Any, viewport: dict[str, int] = DESKTOP, who: str = CHAIR) -> Page:
    """Ask for a link on the page as ``who``, then open it from the outbox in a fresh browser."""
    from playwright.sync_api import expect

    page = visit(f"{stack.api}/organizers", viewport).page
    before = set(stack.mails())
    page.get_by_label("Your e-mail address").fill(who)
    page.get_by_role("button", name="Send me a sign-in link").click()
    expect(page.locator("#link-sent")).to_be_focused()
    link = sign_in_link(stack, before, who)
    console = visit(link, viewport).page
    expect(console.locator("#who-email")).to_have_text(f"Signed in as {who}")
    result: Page = console
    return result


def rows(page: Page) -> list[str]:
    result: list[str] = page.locator("#rows tr").evaluate_all("rows => rows.map(r => r.dataset.id)")
    return result


def test_signed_out_and_forged_requests_get_nothing(stack: RunningStack, call: list[dict[str, Any]]) -> None:
    author = call[0]
    attempts = {
        "signed out": {},
        "author's token": {"Authorization": f"Bearer {author['token']}"},
        "forged cookie": {"Cookie": "cfp_organizer=eyJlIjoiY2hhaXJAZXhhbXBsZS5vcmcifQ.Zm9yZ2Vk"},
    }
    for name, headers in attempts.items():
        for path in (
            "/organizers/submissions",
            "/organizers/export?format=json",
            f"/organizers/submissions/{author['id']}",
        ):
            response = requests.get(f"{stack.api}{path}", headers=headers, timeout=30)
            assert response.status_code == 401, (name, path, response.text)
            assert response.json()["error"] == "not_signed_in", (name, path)
    assert requests.post(f"{stack.api}/organizers/releases", timeout=30).status_code == 401


def test_an_organizer_signs_in_lists_filters_and_opens_a_pdf(
    stack: RunningStack, call: list[dict[str, Any]], visit: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    stranger = visit(f"{stack.api}/organizers").page
    stranger.get_by_label("Your e-mail address").fill("mallory@example.org")
    stranger.get_by_role("button", name="Send me a sign-in link").click()
    expect(stranger.locator("#link-sent")).to_be_focused()
    stranger_answer = stranger.locator("#link-sent-text").inner_text()

    page = signed_in(stack, visit)
    organizer_answer = visit(f"{stack.api}/organizers").page
    organizer_answer.get_by_label("Your e-mail address").fill(CHAIR)
    organizer_answer.get_by_role("button", name="Send me a sign-in link").click()
    expect(organizer_answer.locator("#link-sent")).to_be_focused()
    assert organizer_answer.locator("#link-sent-text").inner_text() == stranger_answer

    [cookie] = page.context.cookies()
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict", cookie
    assert page.url == f"{stack.api}/organizers", "the link's secret leaves the address bar"
    assert page.evaluate("document.cookie") == ""

    expect(page.locator("#shown")).to_have_text("Showing 5 of 5 submissions.")
    expect(page.locator("#counts")).to_contain_text("2pass")
    expect(page.locator("#time-left")).to_contain_text("left")
    expect(page.locator("#dead-letters li > span")).to_have_text(
        ["validation: 0 waiting", "notification: 0 waiting", "archive: 0 waiting", "release: 0 waiting"]
    )
    page.get_by_label("Status").select_option("pass")
    expect(page.locator("#shown")).to_have_text("Showing 2 of 5 submissions.")
    assert set(rows(page)) == {call[0]["id"], call[1]["id"]}
    page.get_by_label("Status").select_option("")
    page.get_by_label("Search title or author").fill("learned index")
    assert rows(page) == [call[1]["id"]]
    page.get_by_label("Search title or author").fill("number4")
    assert rows(page) == [call[3]["id"]]
    page.get_by_label("Search title or author").fill("")
    page.get_by_role("button", name="Title").click()
    expect(page.locator("th[data-key=title]")).to_have_attribute("aria-sort", "ascending")
    assert rows(page)[0] == call[2]["id"]
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path=artifacts / "console-desktop.png", full_page=True)
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]

    page.get_by_role("link", name=call[2]["id"]).click()
    expect(page.locator("#detail-title")).to_have_text("A Three-Page Abstract")
    expect(page.locator("#detail-versions")).to_contain_text("v1 (on record)")
    expect(page.locator("#detail-versions")).to_contain_text("fail")
    with page.expect_popup():
        page.get_by_role("button", name="Open PDF").click()
    anchor = page.get_by_role("link", name="Open the PDF (link valid 5 minutes)")
    pdf = requests.get(str(anchor.get_attribute("href")), timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    page.get_by_role("button", name="Resend the verdict").click()
    expect(page.locator("#detail-actions-status")).to_contain_text("The verdict is on its way")
    expect(page.locator("#detail-history")).to_contain_text("resent (verdict)")
    page.screenshot(path=artifacts / "console-submission.png", full_page=True)

    page.evaluate(AXE.read_text())
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id)"""
    )
    assert violations == []


def test_a_used_sign_in_link_gives_nothing(stack: RunningStack, visit: Any) -> None:
    from playwright.sync_api import expect

    cochair = ORGANIZERS[1]
    page = visit(f"{stack.api}/organizers").page
    before = set(stack.mails())
    page.get_by_label("Your e-mail address").fill(cochair)
    page.get_by_role("button", name="Send me a sign-in link").click()
    link = sign_in_link(stack, before, cochair)
    first = visit(link).page
    expect(first.locator("#who-email")).to_have_text(f"Signed in as {cochair}")
    again = visit(link).page
    expect(again.locator("#problem")).to_contain_text("expired or was already used")
    expect(again.get_by_role("heading", name="Sign in to the organizers' console")).to_be_visible()
    assert again.context.cookies() == []


def test_a_signed_out_visitor_sees_the_sign_in_form_alone_and_a_link_pasted_into_it_signs_in(
    stack: RunningStack, visit: Any
) -> None:
    from playwright.sync_api import expect

    who = ORGANIZERS[5]
    visited = visit(f"{stack.api}/organizers")
    page = visited.page
    expect(page.get_by_role("heading", name="Sign in to the organizers' console")).to_be_visible()
    expect(page.get_by_label("Your e-mail address")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    for section in ("#who", "#overview", "#detail", "#problem", "#link-sent"):
        expect(page.locator(section)).to_be_hidden()
    assert shown_though_hidden(page) == []

    before = set(stack.mails())
    page.get_by_label("Your e-mail address").fill(who)
    page.get_by_role("button", name="Send me a sign-in link").click()
    expect(page.locator("#link-sent")).to_be_focused()
    assert shown_though_hidden(page) == []
    link = sign_in_link(stack, before, who)
    page.goto(link)
    expect(page.locator("#who-email")).to_have_text(f"Signed in as {who}")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator("#overview")).to_be_visible()
    assert page.url == f"{stack.api}/organizers", "the link's secret leaves the address bar"

    # A sign-out the server could not record is said plainly, not shown as done.
    def unavailable(route: Any) -> None:
        if route.request.method != "DELETE":
            route.continue_()
            return
        body = '{"error": "unavailable", "message": "The session could not be ended just now. Try again."}'
        route.fulfill(status=503, content_type="application/json", body=body)

    page.route(f"{stack.api}/organizers/session", unavailable)
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#problem")).to_contain_text("could not end the session")
    visited.errors[:] = [e for e in visited.errors if "status of 503" not in e]  # the one the test made
    page.unroute(f"{stack.api}/organizers/session")
    page.goto(f"{stack.api}/organizers")
    expect(page.locator("#who-email")).to_have_text(f"Signed in as {who}")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to the organizers' console")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    expect(page.get_by_label("Your e-mail address")).to_be_visible()
    assert shown_though_hidden(page) == []


def test_decide_export_and_release_once(
    stack: RunningStack, call: list[dict[str, Any]], visit: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page = signed_in(stack, visit, PHONE, who=ORGANIZERS[2])
    page.get_by_label(f"Select {call[0]['id']}").check()
    page.get_by_label(f"Select {call[1]['id']}").check()
    page.get_by_label("Note to the selected submissions' authors (optional)").fill(
        "Poster session B, Tuesday."
    )
    page.get_by_role("button", name="Accept selected").click()
    expect(page.locator("#release-status")).to_contain_text("2 marked accepted")
    page.get_by_label(f"Select {call[2]['id']}").check()
    page.get_by_label("Note to the selected submissions' authors (optional)").fill("")
    page.get_by_role("button", name="Reject selected").click()
    expect(page.locator("#decisions-summary")).to_contain_text(
        "2 accepted, 1 rejected, 2 undecided; 3 decided"
    )

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    exported = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert {r["id"]: r["decision"] for r in exported}[call[0]["id"]] == "accepted"
    with page.expect_download() as download:
        page.get_by_role("link", name="JSON").click()
    assert call[2]["id"] in Path(download.value.path()).read_text()

    page.get_by_role("button", name="Release decisions…").click()
    preview = page.locator("#release-preview")
    expect(preview).to_be_focused()
    expect(preview).to_contain_text("3 decision mails will be sent")
    expect(preview).to_contain_text("Poster session B, Tuesday.")
    expect(preview).to_contain_text("Not accepted")
    page.screenshot(path=artifacts / "console-phone-release.png", full_page=True)
    page.get_by_role("button", name="Send the decision mails").click()
    expect(page.locator("#release-status")).to_have_text("Sent 3 decision mails.")
    expect(page.locator("#release-progress")).to_have_attribute("aria-valuetext", "3 of 3")
    page.get_by_role("button", name="Release decisions…").click()
    expect(page.locator("#release-summary")).to_have_text("Every decision has been sent already.")

    accepted = mail_file(stack, "Accepted: Scheduling Inference", "author1@example.org")
    assert "Poster session B, Tuesday." in text_of(accepted)
    rejected = mail_file(stack, "Not accepted: A Three-Page Abstract")
    assert rejected["To"] == "author3@example.org"

    # Two notifiers may run at once (the event source's MaximumConcurrency), so the three decisions can be
    # told in one digest or two; together they name all three.
    def decisions_in_digests() -> int:
        found = [re.search(rb"Decisions sent to authors \((\d+)\)", p.read_bytes()) for p in stack.mails()]
        return sum(int(m.group(1)) for m in found if m)

    wait_for(lambda: decisions_in_digests() >= 3, MAIL_SECONDS, "digests naming the three decisions")
    assert decisions_in_digests() == 3
    digest = mail_file(stack, "Decisions sent to authors", f"{stack.api}/organizers#{call[0]['id']}")
    assert f"{stack.api}/organizers#{call[0]['id']}" in text_of(digest)
    stack.settle()  # a second sending would come of an event still pending
    decision_mails = [p for p in stack.mails() if b"ccepted: " in p.read_bytes()]
    assert len(decision_mails) == 3


def test_organizers_review_by_keyboard_and_a_conflict_hides_the_rest(
    stack: RunningStack, call: list[dict[str, Any]], visit: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    target = call[3]["id"]
    reviewer = signed_in(stack, visit, who=ORGANIZERS[3])
    expect(reviewer.locator("#review-progress")).to_contain_text(
        re.compile(r"You have reviewed 0 of \d+ submissions")
    )
    reviewer.get_by_role("link", name=target).click()
    expect(reviewer.locator("#review-summary")).to_contain_text("0 reviews so far")
    # Keyboard only: a missing score is named and focused, then each control is reached and set by key.
    reviewer.get_by_role("button", name="Submit review").focus()
    reviewer.keyboard.press("Enter")
    expect(reviewer.locator("#score-error")).to_have_text("Choose an overall merit score.")
    expect(reviewer.locator("#score-1")).to_be_focused()
    reviewer.keyboard.press("ArrowDown")
    reviewer.keyboard.press("ArrowDown")
    reviewer.keyboard.press("ArrowDown")
    expect(reviewer.get_by_label("4: Weak accept", exact=False)).to_be_checked()
    reviewer.locator("#confidence-3").focus()
    reviewer.keyboard.press("Space")
    reviewer.get_by_label("Comments for the authors", exact=True).focus()
    reviewer.keyboard.type("A clear poster; add <b>numbers</b>.")
    reviewer.get_by_label("Comments for the organizers only").focus()
    reviewer.keyboard.type("Strong group.")
    reviewer.get_by_role("button", name="Submit review").focus()
    reviewer.keyboard.press("Enter")
    expect(reviewer.locator("#review-status")).to_have_text("Your review is saved.")
    expect(reviewer.locator("#review-summary")).to_contain_text("1 review; mean 4")
    expect(reviewer.locator("#review-list")).to_contain_text(
        "For the authors: A clear poster; add <b>numbers</b>."
    )
    assert reviewer.locator("#review-list b").count() == 0, "review text is shown as text"
    reviewer.get_by_label("Add to the discussion (organizers only)").fill("Worth a poster slot.")
    reviewer.get_by_role("button", name="Post the comment").click()
    expect(reviewer.locator("#comment-list")).to_contain_text("Worth a poster slot.")
    reviewer.evaluate(AXE.read_text())
    violations = reviewer.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id)"""
    )
    assert violations == []
    reviewer.screenshot(path=artifacts / "console-review.png", full_page=True)
    reviewer.get_by_role("button", name="Next unreviewed").click()
    expect(reviewer).not_to_have_url(re.compile(f"#{target}$"))
    expect(reviewer.locator("#review-summary")).to_contain_text("so far")

    # Another organizer sees the count, not the review; declaring a conflict hides the rest for good.
    other = signed_in(stack, visit, PHONE, who=ORGANIZERS[4])
    other.get_by_role("link", name=target).click()
    expect(other.locator("#review-summary")).to_contain_text("1 review so far. Submit yours")
    expect(other.locator("#review-list li")).to_have_count(0)
    expect(other.locator("#comment-list")).not_to_contain_text("Worth a poster slot.")
    # The authors' addresses share the organizer's domain here, so the page suggests the conflict.
    expect(other.locator("#conflict-text")).to_contain_text("shares your institution's domain")
    other.get_by_role("button", name="Yes, declare my conflict").click()
    expect(other.locator("#review-status")).to_have_text("")
    expect(other.locator("#reviewing")).to_be_hidden()
    expect(other.locator("#decision-controls")).to_be_hidden()
    expect(other.locator("#detail-decision")).to_contain_text("You declared a conflict")
    expect(other.locator("#detail-history")).not_to_contain_text("review submitted")
    other.screenshot(path=artifacts / "console-phone-conflict.png", full_page=True)
    answer = other.evaluate(
        """async (id) => (await fetch('/organizers/submissions/' + id + '/review', {method: 'PUT',
            headers: {'content-type': 'application/json'},
            body: JSON.stringify({score: 5, confidence: 4})})).status""",
        target,
    )
    assert answer == 403
    other.get_by_role("link", name="Back to every submission").click()
    expect(other.locator(f'#rows tr[data-id="{target}"]')).to_contain_text("your conflict")


def test_the_public_program_is_published_from_the_console_and_reads_on_a_phone(
    stack: RunningStack, visit: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    shown = create(stack, 7, "<i>Markup</i> & Posters")
    hidden = create(stack, 8, "A Rejected Poster")
    page = signed_in(stack, visit, who=ORGANIZERS[1])
    released = page.evaluate(
        """async ([accept, reject]) => {
            const send = (method, path, body) => fetch(path, {method,
                headers: {'content-type': 'application/json'},
                body: body === undefined ? undefined : JSON.stringify(body)}).then(r => r.json());
            await send('POST', '/organizers/decisions', {ids: [accept], decision: 'accepted'});
            await send('POST', '/organizers/decisions', {ids: [reject], decision: 'rejected'});
            const preview = await send('POST', '/organizers/releases');
            await send('POST', '/organizers/releases/' + preview.release_id + '/send');
            for (let i = 0; i < 300; i++) {
                const release = await send('GET', '/organizers/releases/' + preview.release_id);
                if (release.state === 'done') return release.sent;
                await new Promise(done => setTimeout(done, 100));
            }
            return null;
        }""",
        [shown["id"], hidden["id"]],
    )
    assert released is not None and shown["id"] in released
    page.get_by_role("button", name="Publish the program").click()
    expect(page.locator("#program-status")).to_contain_text("Published")

    errors: list[str] = []
    for name, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", PHONE)):
        context = page.context.browser.new_context(viewport=viewport)  # type: ignore[union-attr, arg-type]
        program = context.new_page()
        program.on("console", lambda m: errors.append(m.text) if m.type in {"error", "warning"} else None)
        program.goto(f"{stack.api}/program")
        expect(program.get_by_role("heading", name="Accepted posters")).to_be_visible()
        poster = program.locator("li.poster", has_text="Markup")
        expect(poster.locator("h3")).to_contain_text("<i>Markup</i> & Posters")
        assert poster.locator("h3 i").count() == 0, "a title's markup shows as text"
        expect(program.locator("main")).not_to_contain_text("A Rejected Poster")
        expect(program.locator("main")).not_to_contain_text("author7@example.org")
        program.evaluate(AXE.read_text())
        violations = program.evaluate(
            """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id)"""
        )
        assert violations == [], (name, violations)
        width = program.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{name}: the page scrolls sideways ({width} px)"
        program.screenshot(path=artifacts / f"program-{name}.png", full_page=True)
        assert errors == [], errors
        context.close()


def release_acceptances(page: Page, ids: list[str]) -> list[str]:
    """Accept these submissions and send the acceptances from the signed-in page, as its buttons would."""
    sent: list[str] | None = page.evaluate(
        """async (ids) => {
            const send = (method, path, body) => fetch(path, {method,
                headers: {'content-type': 'application/json'},
                body: body === undefined ? undefined : JSON.stringify(body)}).then(r => r.json());
            await send('POST', '/organizers/decisions', {ids: ids, decision: 'accepted'});
            const preview = await send('POST', '/organizers/releases');
            await send('POST', '/organizers/releases/' + preview.release_id + '/send');
            for (let i = 0; i < 300; i++) {
                const release = await send('GET', '/organizers/releases/' + preview.release_id);
                if (release.state === 'done') return release.sent;
                await new Promise(done => setTimeout(done, 100));
            }
            return null;
        }""",
        ids,
    )
    assert sent is not None and set(ids) <= set(sent), sent
    return sent


def test_the_final_phase_checklist_mails_those_missing_the_poster_and_shows_each_final_pdf(
    stack: RunningStack, visit: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    from cfp_tools.posters import make_poster

    ready = create(stack, 11, "Poster Already In")
    waiting = create(stack, 12, "Poster Still Missing")
    page = signed_in(stack, visit, who=ORGANIZERS[5])
    release_acceptances(page, [ready["id"], waiting["id"]])
    asked = requests.post(
        f"{stack.api}/submissions/{ready['id']}/final-upload-url",
        json={"kind": "poster"},
        headers={"Authorization": f"Bearer {ready['token']}"},
        timeout=30,
    )
    assert asked.status_code == 201, asked.text
    assert upload(asked.json()["upload"], make_poster()).status_code == 204
    wait_for(lambda: (read(stack, ready)["final"]["poster"] or {}).get("verdict"), 60, "the poster's verdict")

    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    tool = page.locator("#finals-tool")
    expect(tool).to_be_visible()
    expect(page.locator("#finals-summary")).to_contain_text("posters in the final phase")
    row_ready = page.locator("#finals-rows tr", has_text="Poster Already In")
    expect(row_ready.locator("td").nth(3)).to_have_text("pass")
    expect(row_ready.locator("td").nth(6)).to_have_text("final abstract, presenter, consent")
    row_waiting = page.locator("#finals-rows tr", has_text="Poster Still Missing")
    expect(row_waiting.locator("td").nth(3)).to_have_text("missing")

    page.get_by_label("Mail everyone missing").select_option("poster")
    page.get_by_role("button", name="Preview the mails").click()
    expect(page.locator("#finals-mail-list")).to_contain_text("Poster Still Missing")
    expect(page.locator("#finals-mail-list")).not_to_contain_text("Poster Already In")
    page.locator("#finals-mail-send").click()
    expect(page.locator("#finals-mail-status")).to_contain_text("Queued")
    mail = mail_file(stack, "Still missing", waiting["id"])
    assert mail["To"] == "author12@example.org" and "the poster" in text_of(mail)
    page.evaluate(AXE.read_text())
    violations = page.evaluate(
        """async () => (await axe.run(document.getElementById('finals-tool'), {resultTypes: ['violations']}))
            .violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id)"""
    )
    assert violations == []
    page.screenshot(path=artifacts / "console-final-phase.png", full_page=True)

    row_ready.get_by_role("link", name=ready["id"]).click()
    final = page.locator("#detail-final")
    expect(final).to_be_visible()
    expect(final.locator("#detail-final-rows tr").first).to_contain_text("Poster 1 (counts)")
    expect(final.locator("#detail-final-facts")).to_contain_text("final abstract, presenter, consent")
    with page.context.expect_page() as opened:
        final.get_by_role("button", name="Open PDF").click()
    assert opened.value.url.startswith(stack.s3) or "X-Amz-Signature" in opened.value.url
    page.get_by_label("Give this poster until (UTC) for its final versions").fill("2099-01-01T12:00")
    page.get_by_role("button", name="Grant more time").click()
    expect(page.locator("#detail-final-status")).to_contain_text("no later than")
    page.get_by_label("Give this poster until (UTC) for its final versions").fill("2027-03-01T12:00")
    page.get_by_role("button", name="Grant more time").click()
    expect(page.locator("#detail-final-status")).to_contain_text("are open until")
    assert shown_though_hidden(page) == []


def test_an_organizer_downloads_every_pdf_as_one_zip(
    stack: RunningStack, call: list[dict[str, Any]], visit: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page = signed_in(stack, visit, who=ORGANIZERS[3])
    page.get_by_label("Include late uploads too").check()
    page.get_by_role("button", name="Build the zip").click()
    progress = page.get_by_role("progressbar", name="Files in the zip")
    expect(progress).to_be_visible()
    status = page.locator("#archive-status")
    expect(status).to_contain_text("Done: 3 files", timeout=30_000)
    expect(status).to_have_attribute("aria-live", "polite")
    expect(progress).to_have_attribute("aria-valuetext", "3 of 3 files")
    assert progress.evaluate("bar => [bar.value, bar.max]") == [3, 3]
    expect(page.get_by_role("button", name="Build the zip")).to_be_enabled()
    page.locator("#archive-heading").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "console-archive.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the zip").click()
    assert re.fullmatch(r"posters-\d{8}-\d{4}-with-late\.zip", download.value.suggested_filename)
    with zipfile.ZipFile(download.value.path()) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    assert entries == {
        f"{call[0]['id']} - Scheduling Inference on Shared GPUs.pdf": make_abstract(body_pages=1),
        f"{call[1]['id']} - Learned Index Structures.pdf": make_abstract(body_pages=2),
        f"{call[2]['id']} - A Three-Page Abstract.pdf": make_abstract(body_pages=3),
    }


def test_dead_letters_are_shown_and_moved_back_after_a_confirmation(
    stack: RunningStack, visit: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    resources = requests.get(f"{stack.api}/_local/resources", timeout=10).json()
    sqs = stack.client("sqs")
    # An archive job the table does not hold: moved back, the archiver drops it.
    sqs.send_message(
        QueueUrl=resources["resources"]["ArchiveDeadLetterQueue"],
        MessageBody='{"job_id": "0123456789abcdef"}',
    )
    page = signed_in(stack, visit, who=ORGANIZERS[4])
    expect(page.locator("#dead-letters")).to_contain_text("archive: 1 waiting")
    page.get_by_role("button", name="Show the archive dead letters").click()
    detail = page.locator("#dead-letter-detail")
    expect(detail).to_be_focused()
    expect(page.locator("#dead-letter-title")).to_have_text("1 message in the archive dead-letter queue")
    expect(page.locator("#dead-letter-rows")).to_contain_text("the archive 0123456789abcdef")
    page.get_by_role("button", name="Move 1 back…").click()
    expect(page.locator("#redrive-question")).to_have_text(
        "Move 1 message back to the archive queue, where it is tried again?"
    )
    page.screenshot(path=artifacts / "console-dead-letters.png", full_page=True)
    page.get_by_role("button", name="Not now").click()
    expect(page.locator("#redrive-confirm")).to_be_hidden()
    page.get_by_role("button", name="Move 1 back…").click()
    page.get_by_role("button", name="Move them back").click()
    expect(page.locator("#dead-letter-status")).to_have_text("Moved 1 message back to the archive queue.")
    expect(page.locator("#dead-letters")).to_contain_text("archive: 0 waiting")

    page.evaluate(AXE.read_text())
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id)"""
    )
    assert violations == []


# Notes every submission's row element attached to the page, however it was made: a step that builds its
# rows again adds elements to the set, one that reorders those it has adds none.
ROWS_ATTACHED = """
window.rowsAttached = new Set();
new MutationObserver((records) => {
    for (const record of records)
        for (const node of record.addedNodes)
            if (node.nodeName === "TR" && node.dataset.id) window.rowsAttached.add(node);
}).observe(document, { childList: true, subtree: true });
"""


def test_three_thousand_submissions_render_sort_and_filter_in_one_batch(browser: Browser) -> None:
    """The page against a canned answer of 3,000 rows (the console's API is one call), served from the
    page's own files, so what is counted is the page's own rendering work."""
    from playwright.sync_api import expect

    web = Path(__file__).resolve().parents[2] / "shared" / "cfp" / "web"
    statuses = ["pass", "warn", "fail", "awaiting_upload", "validating", "late"]
    listing = {
        "conference": "A Large Workshop",
        "deadline": "2030-08-31T23:59:59-12:00",
        "deadline_text": "2030-08-31 23:59:59 AoE",
        "now": "2030-08-01T00:00:00+00:00",
        "columns": ROW_COLUMNS,
        "rows": [
            [
                {
                    "id": f"id{i:06d}",
                    "title": f"Poster {i} on topic {i % 97}",
                    "authors": f"Author {i}; Coauthor {i % 13}",
                    "contact": f"a{i}@example.org",
                    "status": statuses[i % 6],
                    "verdict": "pass" if i % 6 == 0 else None,
                    "body_pages": 2,
                    "late": i % 50 == 0,
                    "decision_sent": False,
                    "updated": f"2030-07-{1 + i % 28:02d}T12:00:00+00:00",
                    "review_count": i % 4,
                    "score_mean": 3.5 if i % 4 else None,
                    "score_min": 3 if i % 4 else None,
                    "score_max": 4 if i % 4 else None,
                    "my_score": 4 if i % 8 == 1 else None,
                    "conflicted": False,
                    "conflict_suggested": False,
                }.get(column)
                for column in ROW_COLUMNS
            ]
            for i in range(3000)
        ],
        "counts": {s: 500 for s in statuses},
        "decisions": {"accepted": 0, "rejected": 0, "undecided": 3000, "unsent": 0},
        "scores": SCORES,
        "confidences": CONFIDENCES,
    }
    answers = {
        "/organizers": ("text/html", (web / "console.html").read_bytes()),
        **{
            f"/assets/{path.name}": (
                "text/javascript" if path.suffix == ".js" else "text/css",
                path.read_bytes(),
            )
            for path in [*web.glob("*.js"), *web.glob("*.css")]
        },
        "/organizers/session": (
            "application/json",
            b'{"email": "chair@example.org", "expires_at": "2030-08-02T00:00:00Z"}',
        ),
        "/organizers/submissions": ("application/json", json.dumps(listing).encode()),
        "/organizers/dead-letters": ("application/json", b'{"validation": 0, "notification": 0}'),
        "/organizers/finals": (
            "application/json",
            b'{"deadline": null, "deadline_text": "no final deadline set", "rows": [], "missing": {}}',
        ),
    }

    requested: list[str] = []

    def answer(route: Any) -> None:
        path = route.request.url.removeprefix("http://console.test")
        requested.append(path)
        content_type, body = answers[path]
        route.fulfill(status=200, content_type=content_type, body=body)

    context = browser.new_context(viewport=DESKTOP)  # type: ignore[arg-type]
    page = context.new_page()
    page.route("http://console.test/**", answer)
    # The work each step makes the page do is counted, never timed (how long it takes is the machine's):
    # every row element the table ever holds is noted as it is attached, and Chromium counts the layouts.
    page.add_init_script(ROWS_ATTACHED)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")

    def layouts() -> int:
        metrics = cdp.send("Performance.getMetrics")["metrics"]
        return int(next(m["value"] for m in metrics if m["name"] == "LayoutCount"))

    page.goto("http://console.test/organizers")
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator("#shown").inner_text() == "Showing 3000 of 3000 submissions."
    # The listing is one call, and each row is built once.
    assert requested.count("/organizers/submissions") == 1, requested
    assert page.evaluate("window.rowsAttached.size") == 3000
    loaded = len(requested)

    def work_of(action: str) -> tuple[int, int]:
        """Row elements built and layouts run for one step, the table laid out at its end."""
        rows_before, layouts_before = page.evaluate("window.rowsAttached.size"), layouts()
        page.evaluate(
            """(action) => {
                const choose = (id, value, kind) => {
                    const field = document.getElementById(id);
                    field.value = value;
                    field.dispatchEvent(new Event(kind, { bubbles: true }));
                };
                if (action === "sort") document.querySelector("th[data-key=title] button").click();
                if (action === "filter") choose("status-filter", "validating", "change");
                if (action === "search") choose("search", "poster 1234", "input");
                document.body.offsetHeight;
            }""",
            action,
        )
        return page.evaluate("window.rowsAttached.size") - rows_before, layouts() - layouts_before

    work = {action: work_of(action) for action in ("sort", "filter", "search")}
    expect(page.locator("#shown")).to_have_text("Showing 1 of 3000 submissions.")
    assert rows(page) == ["id001234"]
    assert page.locator("#rows td:nth-child(6)").all_inner_texts() == ["VALIDATING"]
    page.get_by_label("Search title or author").fill("")
    expect(page.locator("#shown")).to_have_text("Showing 500 of 3000 submissions.")
    assert page.locator("th[data-key=title]").get_attribute("aria-sort") == "ascending"
    context.close()
    # Sorting, filtering and searching move the rows built at load, in one batch laid out once: no row is
    # built again, nothing is asked of the API, and no step lays the table out row by row.
    assert {action: rows_built for action, (rows_built, _) in work.items()} == dict.fromkeys(work, 0)
    assert len(requested) == loaded, requested[loaded:]
    assert all(laid_out == 1 for _, laid_out in work.values()), f"(rows built, layouts) by step: {work}"
