"""An extension is an instant the API takes from organizers: only after the deadline and within a year of
it, and a value stored before that rule (9999-12-31, 0001-01-01+14:00) breaks no reader."""

from __future__ import annotations

import io
from datetime import datetime

import pytest

from cfp import wiring
from cfp.bootstrap import build_console
from cfp_tools import admin
from tests.support.call import DEADLINE
from tests.support.functions import body_of, call, create, deliver, sent, sign_in, upload
from tests.support.world import World

OUT_OF_RANGE = [
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+14:00",
    DEADLINE,  # the deadline itself gives nothing
    "2016-01-01T00:00:00Z",
    "2018-09-01T12:00:00Z",  # more than a year past the deadline
]


@pytest.mark.parametrize("until", OUT_OF_RANGE)
def test_an_extension_outside_a_year_after_the_deadline_is_refused_and_nothing_recorded(
    world: World, until: str
) -> None:
    created = create()
    cookie = sign_in(world)
    response = call("POST", "/organizers/extensions", {"ids": [created["id"]], "until": until}, cookie=cookie)
    answer = body_of(response)
    assert (response["statusCode"], answer["error"]) == (422, "invalid_request"), answer
    assert [f["field"] for f in answer["fields"]] == ["until"]
    assert "a year after it" in answer["fields"][0]["problem"]
    detail = body_of(call("GET", f"/organizers/submissions/{created['id']}", cookie=cookie))
    assert detail["extension_until"] is None and detail["history"] == []


def test_an_extension_within_the_year_is_granted(world: World) -> None:
    created = create()
    cookie = sign_in(world)
    until = "2018-08-31T23:59:59-12:00"
    response = call("POST", "/organizers/extensions", {"ids": [created["id"]], "until": until}, cookie=cookie)
    assert response["statusCode"] == 200, response
    detail = body_of(call("GET", f"/organizers/submissions/{created['id']}", cookie=cookie))
    assert datetime.fromisoformat(detail["extension_until"]) == datetime.fromisoformat(until)


def test_cfp_admin_refuses_an_extension_out_of_range(world: World) -> None:
    created = create()
    console = build_console(wiring.adapters())
    args = admin._parser().parse_args(["extend", created["id"], "--until", "9999-12-31T23:59:59Z", "--local"])
    args.operator = "ops"
    args.adapters = wiring.adapters()
    with pytest.raises(ValueError, match="a year after it"):
        admin._extend(console, args, io.StringIO())


@pytest.mark.parametrize("stored", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+14:00"])
def test_an_extension_stored_out_of_range_breaks_no_reader(world: World, stored: str) -> None:
    created = create()
    upload(world, created)
    cookie = sign_in(world)
    world.dynamodb.update_item(
        TableName=world.table,
        Key={"pk": {"S": f"SUB#{created['id']}"}, "sk": {"S": "META"}},
        UpdateExpression="SET extension_until = :until",
        ExpressionAttributeValues={":until": {"S": stored}},
    )
    listing = call("GET", "/organizers/submissions", cookie=cookie)
    assert listing["statusCode"] == 200, listing
    detail = call("GET", f"/organizers/submissions/{created['id']}", cookie=cookie)
    assert detail["statusCode"] == 200, detail
    for kind in ("csv", "json"):
        assert call("GET", f"/organizers/export?format={kind}", cookie=cookie)["statusCode"] == 200
    page = call("GET", f"/submissions/{created['id']}", token=created["token"])
    assert page["statusCode"] == 200, page
    far = stored.startswith("9999")
    expected = "9998-01-01T00:00:00+00:00" if far else DEADLINE
    assert datetime.fromisoformat(body_of(page)["deadline"]) == datetime.fromisoformat(expected)
    before = len(sent())
    deliver(world)  # the receipt, the verdict and a digest naming the submission
    assert len(sent()) == before + 3, [m["Subject"] for m in sent()]
