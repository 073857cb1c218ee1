"""Bidirectional controls in authors' text are shown, not obeyed, wherever organizers read it; authors
read back what they sent."""

from __future__ import annotations

import csv
import io
import json

from cfp.neutral import neutral
from cfp_tools import admin
from tests.support.functions import body_of, call, deliver, sent, sign_in, upload
from tests.support.stories import html_of, text_of
from tests.support.world import World

TITLE = "Invoice \u202efdp.exe"
NAME = "Ada \u2067Lovelace\u2069"
SHOWN_TITLE = "Invoice [U+202E]fdp.exe"
SHOWN_NAME = "Ada [U+2067]Lovelace[U+2069]"
CONTROLS = ("\u202e", "\u2067", "\u2069")


def test_neutral_writes_out_every_bidirectional_control() -> None:
    controls = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    shown = neutral(f"a{controls}b")
    assert shown.startswith("a[U+061C][U+200E][U+200F][U+202A]") and shown.endswith("[U+2069]b")
    assert neutral("Émile Noether, عربي") == "Émile Noether, عربي"


def _create() -> dict[str, object]:
    response = call(
        "POST",
        "/submissions",
        {
            "title": TITLE,
            "authors": [{"name": NAME, "affiliation": "\u202eUniversity"}],
            "contact_email": "ada@example.org",
            "abstract": "We \u202eindex things.",
        },
    )
    assert response["statusCode"] == 201, response
    return dict(body_of(response))


def test_organizers_see_bidi_controls_written_out_everywhere(world: World) -> None:
    created = _create()
    upload(world, created)
    deliver(world)
    [digest] = [m for m in sent() if "Digest" in m["Subject"]]
    for text in (text_of(digest), html_of(digest)):
        assert SHOWN_TITLE in text and not any(c in text for c in CONTROLS)

    cookie = sign_in(world)
    listing = body_of(call("GET", "/organizers/submissions", cookie=cookie))
    [row] = listing["rows"]
    cells = dict(zip(listing["columns"], row, strict=True))
    assert (cells["title"], cells["authors"]) == (SHOWN_TITLE, SHOWN_NAME)
    detail = body_of(call("GET", f"/organizers/submissions/{created['id']}", cookie=cookie))
    assert detail["title"] == SHOWN_TITLE and detail["authors"][0]["name"] == SHOWN_NAME
    assert detail["authors"][0]["affiliation"] == "[U+202E]University"
    assert detail["abstract"] == "We [U+202E]index things."
    for kind in ("csv", "json"):
        exported = call("GET", f"/organizers/export?format={kind}", cookie=cookie)["body"]
        assert not any(c in exported for c in CONTROLS), kind
    exported_csv = call("GET", "/organizers/export?format=csv", cookie=cookie)["body"]
    [record] = list(csv.DictReader(io.StringIO(exported_csv)))
    assert (record["title"], record["authors"]) == (SHOWN_TITLE, SHOWN_NAME)
    exported_json = json.loads(call("GET", "/organizers/export?format=json", cookie=cookie)["body"])
    assert exported_json["submissions"][0]["title"] == SHOWN_TITLE

    out = io.StringIO()
    from cfp import wiring
    from cfp.bootstrap import build_console

    console = build_console(wiring.adapters())
    args = admin._parser().parse_args(["show", str(created["id"]), "--local"])
    args.operator = "ops"
    admin._COMMANDS["show"](console, args, out)
    assert SHOWN_TITLE in out.getvalue() and not any(c in out.getvalue() for c in CONTROLS)

    authors_view = body_of(call("GET", f"/submissions/{created['id']}", token=str(created["token"])))
    assert (authors_view["title"], authors_view["authors"][0]["name"]) == (TITLE, NAME)

    # The release's preview is what a chair reads before every decision mail goes out.
    decided = {"ids": [created["id"]], "decision": "accepted", "note": "\u202eWell done"}
    assert call("POST", "/organizers/decisions", decided, cookie=cookie)["statusCode"] == 200
    preview = body_of(call("POST", "/organizers/releases", cookie=cookie))
    [mail] = preview["mails"]
    assert SHOWN_TITLE in mail["subject"] + mail["text"] and "[U+202E]Well done" in mail["text"]
    assert not any(c in mail["subject"] + mail["text"] for c in CONTROLS)
