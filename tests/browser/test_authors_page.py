"""The authors' page in a real headless Chromium against ``cfp local``: from an empty form to a verdict,
refusals before upload, the manage link in a fresh browser, edits, withdrawal, the closed call, and an
accessibility check, at desktop and phone widths. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from cfp_tools.pdfs import make_abstract
from tests.support.browser import AXE, PHONE, shown_though_hidden
from tests.support.running import CFP, RunningStack
from tests.support.stories import wait_for

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow

VERDICT_SECONDS = 30_000


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    deadline = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat()
    running = RunningStack(
        tmp_path_factory.mktemp("page"), "--deadline", deadline, "--param", "MaxUploadMB=1"
    )
    try:
        yield running
    finally:
        assert running.stop() == 0, running.output()[-4000:]


# Each made-up author has an address of their own: the call opens only 5 submissions an hour per address.
_AUTHORS = itertools.count(1)


def created(stack: RunningStack, title: str = "Warm starts for a call for posters") -> dict[str, Any]:
    address = f"grace{next(_AUTHORS)}@example.org"
    body: dict[str, Any] = {
        "title": title,
        "authors": [{"name": "Grace Hopper", "email": address, "affiliation": "Navy"}],
        "contact_email": address,
        "abstract": "We measure how quickly a call for posters answers.",
    }
    response = requests.post(f"{stack.api}/submissions", json=body, timeout=30)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def manage_link(stack: RunningStack, submission: dict[str, Any]) -> str:
    return f"{stack.api}/#id={submission['id']}&token={submission['token']}"


def read(stack: RunningStack, submission: dict[str, Any]) -> dict[str, Any]:
    response = requests.get(
        f"{stack.api}/submissions/{submission['id']}",
        headers={"Authorization": f"Bearer {submission['token']}"},
        timeout=30,
    )
    result: dict[str, Any] = response.json()
    return result


def choose_pdf(page: Page, data: bytes, name: str = "abstract.pdf", kind: str = "application/pdf") -> None:
    from playwright.sync_api import FilePayload

    page.get_by_label("PDF of your abstract").set_input_files(
        files=[FilePayload(name=name, mimeType=kind, buffer=data)]
    )


def outcome(page: Page, word: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#verdict .outcome")).to_have_text(word, timeout=VERDICT_SECONDS)


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core run inside the page; the page's own policy stays in force (the script is evaluated by the
    test harness, not loaded by the page)."""
    page.evaluate(AXE.read_text())
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target)}))"""
    )
    return violations


def test_an_author_goes_from_an_empty_form_to_a_pass(
    stack: RunningStack, visit: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    seen = visit(f"{stack.api}/")
    page = seen.page
    expect(page.locator("#countdown")).to_contain_text("left to submit")
    expect(page.locator("#deadline-times")).to_contain_text("AoE")

    page.get_by_role("button", name="Save and continue to upload").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter the title of your poster")
    expect(page.locator("#title-error")).to_contain_text("Enter the title of your poster")
    summary.get_by_role("link", name="Enter the contact e-mail address").click()
    expect(page.get_by_label("Contact e-mail")).to_be_focused()

    page.get_by_label("Title", exact=True).fill("Learned <script>alert(1)</script> Indexes on GPUs")
    page.get_by_role("button", name="Add another author").click()
    first, second = page.locator(".author-row").nth(0), page.locator(".author-row").nth(1)
    first.get_by_label("Name").fill("Ada Lovelace")
    first.get_by_label("E-mail").fill("ada@example.org")
    first.get_by_label("Affiliation").fill("Analytical Engines")
    second.get_by_label("Name").fill("Charles Babbage")
    second.get_by_label("E-mail").fill("not an address")
    page.get_by_role("button", name="Move up author 2").click()
    expect(page.locator("#authors-0-name")).to_have_value("Charles Babbage")
    page.get_by_label("Contact e-mail").fill("ada@example.org")
    page.get_by_label("Abstract", exact=True).fill("We index things fast.")
    page.get_by_role("button", name="Save and continue to upload").click()
    expect(page.locator("#authors-0-email-error")).to_contain_text("in the correct format")
    page.locator("#authors-0-email").fill("charles@example.org")
    page.get_by_role("button", name="Save and continue to upload").click()

    expect(page.locator("#confirmation")).to_be_focused()
    submission_id = page.locator("#submission-id").inner_text()
    assert page.url.startswith(f"{stack.api}/#id={submission_id}&token=")
    assert "?" not in page.url
    expect(page.get_by_label("Manage link", exact=True)).to_have_value(page.url)
    expect(page.locator("#manage")).to_contain_text("only key")
    expect(page.locator("#heading")).to_have_text("Your poster submission")
    expect(page.get_by_label("Title", exact=True)).to_have_value(
        "Learned <script>alert(1)</script> Indexes on GPUs"
    )

    choose_pdf(page, make_abstract(body_pages=1))
    outcome(page, "pass")
    expect(page.locator("#verdict")).to_contain_text("Body pages")
    expect(page.locator("#verdict")).to_contain_text("under the heading")
    assert page.locator("#verdict").get_attribute("aria-live") == "polite"
    assert len(seen.requested(stack.s3)) >= 1
    page.screenshot(path=artifacts / "authors-page-desktop.png", full_page=True)


def test_a_three_page_abstract_shows_the_problem_and_its_fix(stack: RunningStack, visit: Any) -> None:
    from playwright.sync_api import expect

    submission = created(stack)
    page = visit(manage_link(stack, submission)).page
    expect(page.locator("#verdict .outcome")).to_have_text("No PDF yet")
    choose_pdf(page, make_abstract(body_pages=3))
    outcome(page, "fail")
    verdict = page.locator("#verdict")
    expect(verdict).to_contain_text("3 pages before the references; the limit is 2")
    expect(verdict).to_contain_text("Move material after the references heading or shorten the text")
    expect(verdict).to_contain_text("Measured: 3. Limit: 2.")

    choose_pdf(page, make_abstract(body_pages=2))
    outcome(page, "pass")
    expect(verdict.get_by_role("list", name="Uploaded versions").get_by_role("listitem")).to_have_count(2)


def test_oversized_and_non_pdf_files_are_refused_before_any_upload(stack: RunningStack, visit: Any) -> None:
    from playwright.sync_api import expect

    submission = created(stack)
    seen = visit(manage_link(stack, submission))
    page = seen.page
    expect(page.locator("#file-hint")).to_contain_text("at most 1 MB")
    choose_pdf(page, b"%PDF-1.7\n" + b"0" * (1024 * 1024), name="huge.pdf")
    expect(page.locator("#file-error")).to_contain_text("“huge.pdf” is 1 MB; the limit is 1 MB")
    expect(page.get_by_label("PDF of your abstract")).to_have_attribute("aria-invalid", "true")
    choose_pdf(
        page, b"Dear committee, please find my poster attached.", name="poster.docx", kind="text/plain"
    )
    expect(page.locator("#file-error")).to_contain_text("“poster.docx” is not a PDF")
    assert seen.requested(stack.s3) == []
    assert read(stack, submission)["versions"][0]["uploaded_at"] is None


def s3_error(code: str, message: str) -> str:
    return f"<?xml version='1.0'?><Error><Code>{code}</Code><Message>{message}</Message></Error>"


def test_s3_refusals_are_put_in_plain_words_and_an_expired_link_is_replaced(
    stack: RunningStack, visit: Any
) -> None:
    from playwright.sync_api import Route, expect

    submission = created(stack)
    page = visit(manage_link(stack, submission)).page
    answers = [
        s3_error("AccessDenied", "Invalid according to Policy: Policy expired."),
        None,
        s3_error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"),
    ]

    def as_s3_would(route: Route) -> None:
        answer = answers.pop(0)
        if answer is None:
            route.continue_()
        else:
            cors = {"access-control-allow-origin": "*", "content-type": "application/xml"}
            route.fulfill(status=403 if "expired" in answer else 400, headers=cors, body=answer)

    page.route(f"{stack.s3}/**", as_s3_would)
    choose_pdf(page, make_abstract(body_pages=1))
    outcome(page, "pass")
    # Version 1 came with the creation; the page asked for 2, S3 called it expired, the page got 3 itself.
    versions = read(stack, submission)["versions"]
    assert [v["uploaded_at"] is not None for v in versions] == [False, False, True]

    choose_pdf(page, make_abstract(body_pages=1))
    expect(page.locator("#file-error")).to_contain_text(
        "The storage service refused the file: it is larger than the limit of 1 MB."
    )
    assert answers == []


def test_the_manage_link_reopens_the_submission_for_edits_and_withdrawal(
    stack: RunningStack, visit: Any
) -> None:
    from playwright.sync_api import expect

    submission = created(stack, title="Cold starts, measured")
    upload = submission["upload"]
    files = {**{k: (None, v) for k, v in upload["fields"].items()}, "file": ("a.pdf", make_abstract(1))}
    assert requests.post(upload["url"], files=files, timeout=30).status_code == 204
    wait_for(lambda: read(stack, submission)["verdict"] is not None, 30, "the upload's verdict")

    page = visit(manage_link(stack, submission)).page
    outcome(page, "pass")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Cold starts, measured")
    page.get_by_label("Title", exact=True).fill("Cold starts, measured twice")
    page.get_by_label("Abstract", exact=True).fill("Control \x01 characters are refused by the API.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#error-summary")).to_contain_text("Abstract: must not contain control characters")
    expect(page.locator("#abstract-error")).to_contain_text("must not contain control characters")
    page.get_by_label("Abstract", exact=True).fill("Now without them.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#save-status")).to_have_text("Your changes are saved.")
    assert read(stack, submission)["title"] == "Cold starts, measured twice"

    page.get_by_role("button", name="Withdraw this submission").click()
    confirm = page.locator("#withdraw-confirm")
    expect(confirm).to_be_focused()
    expect(confirm).to_contain_text("“Cold starts, measured twice”")
    page.get_by_role("button", name="No, keep it").click()
    expect(page.get_by_role("button", name="Withdraw this submission")).to_be_focused()
    assert read(stack, submission)["status"] == "pass"
    page.get_by_role("button", name="Withdraw this submission").click()
    expect(page.get_by_role("button", name="Withdraw this submission")).to_be_hidden()
    assert shown_though_hidden(page) == []
    page.get_by_role("button", name="Yes, withdraw it").click()
    expect(page.locator("#verdict .outcome")).to_have_text("withdrawn")
    expect(page.locator("#closed")).to_contain_text("This submission was withdrawn")
    expect(page.get_by_label("Title", exact=True)).to_be_disabled()
    expect(page.get_by_role("button", name="Save changes")).to_be_hidden()
    assert shown_though_hidden(page) == []
    assert read(stack, submission)["status"] == "withdrawn"


def test_a_wrong_manage_link_says_so(stack: RunningStack, visit: Any) -> None:
    from playwright.sync_api import expect

    submission = created(stack)
    page = visit(f"{stack.api}/#id={submission['id']}&token=wrong").page
    expect(page.locator("#load-error")).to_contain_text("This manage link does not open a submission")
    expect(page.get_by_role("link", name="Start a new submission")).to_be_visible()


def test_keyboard_alone_is_enough(stack: RunningStack, visit: Any) -> None:
    from playwright.sync_api import expect

    page = visit(f"{stack.api}/").page
    keyboard = page.keyboard
    keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    for text, label in [
        ("Keyboard-only submission", "Title"),
        ("Alan Turing", "Name"),
        ("alan@example.org", "E-mail"),
        ("Bletchley Park", "Affiliation"),
    ]:
        keyboard.press("Tab")
        expect(page.get_by_label(label, exact=True)).to_be_focused()
        keyboard.type(text)
    keyboard.press("Tab")
    expect(page.get_by_role("button", name="Add another author")).to_be_focused()
    keyboard.press("Tab")
    expect(page.get_by_label("Contact e-mail")).to_be_focused()
    keyboard.type("alan@example.org")
    keyboard.press("Tab")
    keyboard.type("Machines that think.")
    keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save and continue to upload")).to_be_focused()
    keyboard.press("Enter")
    expect(page.locator("#confirmation")).to_be_focused()
    keyboard.press("Tab")
    expect(page.get_by_label("Manage link", exact=True)).to_be_focused()
    keyboard.press("Tab")
    expect(page.get_by_role("button", name="Copy link")).to_be_focused()
    keyboard.press("Enter")
    expect(page.locator("#copy-status")).not_to_be_empty()
    keyboard.press("Tab")
    expect(page.get_by_label("PDF of your abstract")).to_be_focused()


def test_phone_width_reads_well_and_has_no_serious_accessibility_violation(
    stack: RunningStack, visit: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page = visit(f"{stack.api}/", PHONE).page
    page.get_by_role("button", name="Save and continue to upload").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert serious_violations(page) == []
    page.screenshot(path=artifacts / "authors-page-phone-errors.png", full_page=True)

    submission = created(stack, title="A poster read on a phone")
    page = visit(manage_link(stack, submission), PHONE).page
    choose_pdf(page, make_abstract(body_pages=3))
    outcome(page, "fail")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert serious_violations(page) == []
    page.screenshot(path=artifacts / "authors-page-phone.png", full_page=True)


@pytest.fixture
def closing_stack(tmp_path: Path) -> Iterator[tuple[RunningStack, datetime]]:
    """A stack of the test's own whose deadline is an hour away. Requested before ``visit``, it stops after
    the pages are closed, so a page still polling never meets a stopped server."""
    deadline = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    running = RunningStack(tmp_path, "--deadline", deadline.strftime("%Y-%m-%dT%H:%M:%SZ"))
    try:
        yield running, deadline
    finally:
        assert running.stop() == 0, running.output()[-4000:]


def test_after_the_deadline_the_form_is_closed_while_reading_and_withdrawing_work(
    closing_stack: tuple[RunningStack, datetime], visit: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    stack, deadline = closing_stack
    kept, extended = created(stack, "Kept after the deadline"), created(stack, "Given more time")
    stack.move_clock(deadline + timedelta(seconds=1))

    page = visit(f"{stack.api}/").page
    expect(page.locator("#closed")).to_contain_text("The call for posters closed at")
    expect(page.locator("#countdown")).to_have_text("The call for posters is closed")
    expect(page.locator("#form")).to_be_hidden()
    page.screenshot(path=artifacts / "authors-page-closed.png", full_page=True)

    page = visit(manage_link(stack, kept)).page
    expect(page.locator("#closed")).to_contain_text("you can still read your submission here and withdraw it")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Kept after the deadline")
    expect(page.get_by_label("Title", exact=True)).to_be_disabled()
    expect(page.get_by_label("PDF of your abstract")).to_be_hidden()
    page.get_by_role("button", name="Withdraw this submission").click()
    page.get_by_role("button", name="Yes, withdraw it").click()
    expect(page.locator("#verdict .outcome")).to_have_text("withdrawn")

    until = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    command = [*CFP, "extend", extended["id"], "--until", until.isoformat(), "--by", "chair"]
    granted = subprocess.run(
        [*command, "--local", stack.api], capture_output=True, text=True, timeout=60, check=False
    )
    assert granted.returncode == 0, granted.stderr
    page = visit(manage_link(stack, extended)).page
    expect(page.locator("#extension")).to_contain_text("You have an extension until")
    expect(page.locator("#countdown")).to_contain_text("left to submit")
    expect(page.get_by_label("Title", exact=True)).to_be_enabled()
    choose_pdf(page, make_abstract(body_pages=1))
    outcome(page, "pass")


def accepted_and_mailed(stack: RunningStack, title: str) -> dict[str, Any]:
    """A submission accepted and its acceptance sent, by an operator through ``cfp admin``."""
    import contextlib
    import io

    from cfp_tools import admin as cfp_admin

    submission = created(stack, title)
    for command in (["decide", submission["id"], "--accept"], ["send-decisions"]):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err):
            assert cfp_admin.main([*command, "--local", "--api-url", stack.api], out) == 0, err.getvalue()
    wait_for(lambda: read(stack, submission).get("final") is not None, 60, "the acceptance to be sent")
    return submission


def choose(page: Page, label: str, data: bytes, name: str) -> None:
    from playwright.sync_api import FilePayload

    page.get_by_label(label, exact=True).set_input_files(
        files=[FilePayload(name=name, mimeType="application/pdf", buffer=data)]
    )


def test_an_accepted_author_sends_the_final_abstract_and_the_poster_from_the_page(
    stack: RunningStack, visit: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    from cfp_tools.posters import SHAPES, PosterLayout, make_poster

    submission = accepted_and_mailed(stack, "Posters that print")
    page = visit(manage_link(stack, submission), PHONE).page
    section = page.locator("#final-section")
    expect(section).to_be_visible()
    expect(page.locator("#final-summary")).to_have_text("4 things still to send.")
    expect(page.locator("#final-checklist li.todo")).to_have_count(4)
    expect(page.locator("#final-countdown")).to_contain_text("left to send the final versions")
    expect(page.locator("#poster-hint")).to_contain_text("A0 portrait (841 \u00d7 1189 mm)")

    verdict = page.locator("#poster-verdict")
    choose(page, "Poster (PDF)", make_poster(PosterLayout(size=SHAPES["A0 landscape"])), "landscape.pdf")
    expect(verdict.locator(".outcome")).to_have_text("fail", timeout=VERDICT_SECONDS)
    expect(verdict).to_contain_text("Lay it out portrait")
    choose(page, "Poster (PDF)", make_poster(PosterLayout(size=SHAPES["A4 portrait"])), "a4.pdf")
    expect(verdict.locator(".note")).to_contain_text(
        "printed scaled to 841 \u00d7 1189 mm", timeout=VERDICT_SECONDS
    )
    expect(verdict.locator(".outcome")).to_have_text("pass")
    choose(page, "Final abstract (PDF)", make_abstract(body_pages=2), "final.pdf")
    expect(page.locator("#final-abstract-verdict .outcome")).to_have_text("pass", timeout=VERDICT_SECONDS)
    expect(page.locator("#final-summary")).to_have_text("2 things still to send.")

    page.get_by_role("button", name="Confirm presenter and publishing").click()
    expect(page.locator("#presenter-error")).to_contain_text("Choose who presents the poster.")
    page.get_by_label("Who presents the poster").select_option("Grace Hopper")
    page.get_by_label("The public program may link to the poster (PDF)").check()
    page.get_by_role("button", name="Confirm presenter and publishing").click()
    expect(page.locator("#final-save-status")).to_have_text(
        "Saved: Grace Hopper presents; the program may link to the poster."
    )
    expect(page.locator("#final-checklist li.done")).to_have_count(4)
    expect(page.locator("#public-listing")).to_contain_text("links to your poster")
    expect(page.locator("#final-summary")).to_contain_text("Everything is in.")
    assert shown_though_hidden(page) == []
    assert serious_violations(page) == []
    section.screenshot(path=artifacts / "authors-page-final-phone.png")

    final = read(stack, submission)["final"]
    assert (final["poster"]["verdict"]["outcome"], final["abstract"]["verdict"]["outcome"]) == (
        "pass",
        "pass",
    )
    assert (final["presenter"], final["publish_abstract"], final["publish_poster"]) == (
        "Grace Hopper",
        False,
        True,
    )
