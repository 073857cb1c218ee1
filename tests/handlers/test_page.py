"""The authors' page as the API function serves it: files, headers, revalidation, and the call's facts."""

from __future__ import annotations

import json
import re

from cfp import web
from tests.support.aws import ROOT, FakeContext, http_event, load_function
from tests.support.call import DEADLINE
from tests.support.world import World

api = load_function("api")
WEB = ROOT / "shared" / "cfp" / "web"
SCRIPTS = sorted(WEB.glob("*.js"))


def get(path: str, headers: dict[str, str] | None = None) -> dict[str, object]:
    response: dict[str, object] = api.lambda_handler(http_event("GET", path, headers=headers), FakeContext())
    return response


def test_the_page_is_served_at_the_root_with_a_strict_policy(world: World) -> None:
    response = get("/")
    assert response["statusCode"] == 200
    headers = response["headers"]
    assert isinstance(headers, dict)
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert f"connect-src 'self' https://{world.bucket}.s3.amazonaws.com;" in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-cache"
    body = str(response["body"])
    assert '<script src="/assets/app.js" type="module"></script>' in body
    assert not re.search(r"<script>|<style|\sstyle=|\son[a-z]+=", body), "inline script or style"


def test_page_files_are_revalidated_by_etag(world: World) -> None:
    first = get("/assets/app.js")
    assert first["statusCode"] == 200
    headers = first["headers"]
    assert isinstance(headers, dict)
    assert headers["Content-Type"] == "text/javascript; charset=utf-8"
    again = get("/assets/app.js", {"if-none-match": headers["ETag"]})
    assert again["statusCode"] == 304 and again["body"] == ""
    assert get("/assets/app.css")["statusCode"] == 200


def test_every_script_and_stylesheet_the_pages_load_is_served_with_its_type(world: World) -> None:
    """The pages' modules import one another: one missing from the allow-list would fail only in a browser."""
    files = sorted(path.name for path in WEB.iterdir() if path.suffix in {".js", ".css"})
    assert sorted(web.ASSETS) == files
    loaded: set[str] = set()
    for page in (web.PAGE, web.CONSOLE, "program.html.j2"):
        loaded |= set(re.findall(r'(?:href|src)="/assets/([^"]+)"', (WEB / page).read_text()))
    for script in SCRIPTS:
        loaded |= set(re.findall(r'(?:from|import) "\./([^"]+)"', script.read_text()))
    assert loaded == set(files), "a page file nothing loads, or one loaded but not served"
    for name in files:
        response = get(f"/assets/{name}")
        assert response["statusCode"] == 200, name
        headers = response["headers"]
        assert isinstance(headers, dict)
        kind = "text/javascript" if name.endswith(".js") else "text/css"
        assert headers["Content-Type"] == f"{kind}; charset=utf-8", name


def test_only_the_page_files_are_served(world: World) -> None:
    for path in ("/assets/index.html", "/assets/__init__.py", "/assets/..%2F__init__.py"):
        response = get(path)
        assert response["statusCode"] == 404, path


def test_user_text_is_never_inserted_as_html() -> None:
    for path in SCRIPTS:
        found = re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", path.read_text())
        assert not found, path.name


def test_call_facts_state_the_limits_the_api_enforces(world: World) -> None:
    response = get("/call")
    assert response["statusCode"] == 200
    facts = json.loads(str(response["body"]))
    assert facts["conference"] == "AI Systems Workshop at SOSP 2017"
    assert facts["deadline"] == DEADLINE
    assert facts["deadline_text"] == "2017-08-31 23:59:59 AoE (2017-09-01 11:59:59 UTC)"
    assert facts["open"] is True
    assert facts["now"] == world.clock.now().isoformat()
    assert (facts["max_upload_bytes"], facts["max_body_pages"]) == (10 * 1024 * 1024, 2)
    limits = facts["limits"]
    assert limits == {
        "title": 300,
        "author_name": 200,
        "affiliation": 300,
        "email": 254,
        "abstract": 5000,
        "authors": 50,
    }
    too_long = {
        "title": "x" * (limits["title"] + 1),
        "authors": [{"name": "A"}],
        "contact_email": "a@example.org",
        "abstract": "x",
    }
    refused = api.lambda_handler(http_event("POST", "/submissions", too_long), FakeContext())
    assert refused["statusCode"] == 422
