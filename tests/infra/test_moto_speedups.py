"""The local stack's moto patches change what moto costs, never what it answers.

Each check runs in a fresh interpreter, so the patches never reach the in-process moto other tests use.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

# Each script defines the keyed table it writes to as ``TABLE``: pk and sk, paid per request.
_TABLE = """
TABLE = dict(
    TableName="t",
    AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    BillingMode="PAY_PER_REQUEST",
)
"""


def _passes(script: str) -> None:
    """Run a check in a fresh interpreter (so the patches reach no other test's moto); it prints ok."""
    result = subprocess.run(
        [sys.executable, "-c", _TABLE + script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-3000:]


_SCRIPT = textwrap.dedent(
    """
    import os
    os.environ.update(AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s", AWS_DEFAULT_REGION="us-east-1")
    import boto3, pytest
    from botocore.exceptions import ClientError
    from moto import mock_aws
    from cfp_tools.local import moto_speedups

    moto_speedups.apply()
    with mock_aws():
        db = boto3.client("dynamodb")
        db.create_table(
            TableName="t",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
                {"AttributeName": "g", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by-g",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for pk in ("a", "b"):
            for sk in ("2", "1"):
                item = {"pk": {"S": pk}, "sk": {"S": sk}, "g": {"S": "x"}, "n": {"N": "0"}}
                db.put_item(TableName="t", Item=item)

        def query(name, value, **index):
            values = {":v": {"S": value}}
            expression = f"{name} = :v"
            return db.query(
                TableName="t", KeyConditionExpression=expression, ExpressionAttributeValues=values, **index
            )

        found = query("pk", "a")
        assert [(i["pk"]["S"], i["sk"]["S"]) for i in found["Items"]] == [("a", "1"), ("a", "2")]
        assert len(query("g", "x", IndexName="by-g")["Items"]) == 4, "an index query reads the whole index"
        assert query("pk", "z")["Items"] == []
        update = {
            "Update": {
                "TableName": "t",
                "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                "UpdateExpression": "SET n = :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        }
        refused = {
            "Put": {
                "TableName": "t",
                "Item": {"pk": {"S": "b"}, "sk": {"S": "1"}},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        with pytest.raises(ClientError):
            db.transact_write_items(TransactItems=[update, refused])
        item = db.get_item(TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "1"}})["Item"]
        assert item["n"] == {"N": "0"}, "a cancelled transaction leaves the table as it was"
        db.transact_write_items(TransactItems=[update])
        item = db.get_item(TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "1"}})["Item"]
        assert item["n"] == {"N": "1"}
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        for body in ("one", "two"):
            sqs.send_message(QueueUrl=url, MessageBody=body)
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert attributes["ApproximateNumberOfMessages"] == "2"
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        assert sorted(m["Body"] for m in received) == ["one", "two"]
    print("ok")
    """
)


def test_answers_are_unchanged_by_the_patches() -> None:
    _passes(_SCRIPT)


# A write from another thread, made while a transaction is under way (inside ``hooked``, which the
# transaction calls), must neither break the transaction nor be lost when the transaction is cancelled.
# The other thread gets a second to write: it finishes within it unless the transaction holds it off.
_RACES = textwrap.dedent(
    """
    import os, threading
    os.environ.update(AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s", AWS_DEFAULT_REGION="us-east-1")
    import boto3, pytest
    from botocore.exceptions import ClientError
    from moto import mock_aws
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import Item
    from cfp_tools.local import moto_speedups

    moto_speedups.apply()

    def key(pk):
        return {"pk": {"S": pk}, "sk": {"S": "1"}}

    def meanwhile(owner, name, write):
        \"\"\"The first call of ``owner.name`` waits for ``write`` on another thread (a second at most);
        the thread, to wait for the write to end.\"\"\"
        original = getattr(owner, name)
        writer = threading.Thread(target=write, daemon=True)

        def hooked(*args, **kwargs):
            if writer.ident is None:
                writer.start()
                writer.join(1)
            return original(*args, **kwargs)

        setattr(owner, name, hooked)
        return writer

    with mock_aws():
        db, other = boto3.client("dynamodb"), boto3.client("dynamodb")
        db.create_table(**TABLE)
        for pk in "abc":
            db.put_item(TableName="t", Item=key(pk))

        # While the transaction copies partition "a" for its rollback, another request adds a partition.
        writer = meanwhile(Item, "__deepcopy__", lambda: other.put_item(TableName="t", Item=key("added")))
        put = {"Put": {"TableName": "t", "Item": {**key("a"), "n": {"N": "1"}}}}
        db.transact_write_items(TransactItems=[put])
        writer.join()
        assert db.get_item(TableName="t", Key=key("a"))["Item"]["n"] == {"N": "1"}
        assert "Item" in db.get_item(TableName="t", Key=key("added"))

        # While a transaction that will be cancelled checks its condition, another request writes.
        def keep():
            other.put_item(TableName="t", Item=key("kept"))

        writer = meanwhile(DynamoDBBackend, "get_item", keep)
        condition = "attribute_not_exists(pk)"
        refused = {"Put": {"TableName": "t", "Item": key("b"), "ConditionExpression": condition}}
        with pytest.raises(ClientError, match="TransactionCanceled"):
            db.transact_write_items(TransactItems=[refused])
        writer.join()
        assert "Item" in db.get_item(TableName="t", Key=key("kept")), "a write made meanwhile is kept"
    print("ok")
    """
)


def test_a_transaction_is_isolated_from_concurrent_writes() -> None:
    _passes(_RACES)


# moto's server looks up a request's backend by listing its own package's folders: once per host here.
_DISPATCH = textwrap.dedent(
    """
    import os
    os.environ.update(AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s", AWS_DEFAULT_REGION="us-east-1")
    import boto3
    from moto import backends
    from moto.server import ThreadedMotoServer
    from cfp_tools.local import moto_speedups

    moto_speedups.apply()
    listed = []
    modules = backends.list_of_moto_modules
    backends.list_of_moto_modules = lambda: listed.append(1) or modules()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    sqs = boto3.client("sqs", endpoint_url=f"http://{host}:{port}")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    for body in range(20):
        sqs.send_message(QueueUrl=url, MessageBody=str(body))
    assert int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"][
        "ApproximateNumberOfMessages"]) == 20
    db = boto3.client("dynamodb", endpoint_url=f"http://{host}:{port}")
    assert db.list_tables()["TableNames"] == []
    server.stop()
    assert 1 <= len(listed) <= 2, f"{len(listed)} lookups for 23 requests to two services"
    print("ok")
    """
)


def test_the_server_finds_a_hosts_backend_once() -> None:
    _passes(_DISPATCH)


# A transaction copies, once, the partitions it names and nothing else, however full the table is.
_COPIES = textwrap.dedent(
    """
    import os
    os.environ.update(AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s", AWS_DEFAULT_REGION="us-east-1")
    import boto3, pytest
    from botocore.exceptions import ClientError
    from moto import mock_aws
    from moto.dynamodb.models.dynamo_type import Item
    from cfp_tools.local import moto_speedups

    moto_speedups.apply()
    copies = []
    original = Item.__deepcopy__
    Item.__deepcopy__ = lambda self, memo: copies.append(1) or original(self, memo)
    with mock_aws():
        db = boto3.client("dynamodb")
        db.create_table(**TABLE)
        for pk in range(300):
            for sk in ("a", "b"):
                db.put_item(TableName="t", Item={"pk": {"S": str(pk)}, "sk": {"S": sk}})
        puts = [
            {"Put": {"TableName": "t", "Item": {"pk": {"S": str(pk)}, "sk": {"S": "c"}}}} for pk in range(10)
        ]
        copies.clear()
        db.transact_write_items(TransactItems=puts)
        assert len(copies) == 20, f"{len(copies)} items copied for a transaction on 10 partitions of 2"
        refused = {"Put": {"TableName": "t", "Item": {"pk": {"S": "0"}, "sk": {"S": "a"}},
                   "ConditionExpression": "attribute_not_exists(pk)"}}
        fresh = {"Put": {"TableName": "t", "Item": {"pk": {"S": "new"}, "sk": {"S": "a"}}}}
        with pytest.raises(ClientError, match="TransactionCanceled"):
            db.transact_write_items(TransactItems=[fresh, refused])
        assert "Item" not in db.get_item(TableName="t", Key={"pk": {"S": "new"}, "sk": {"S": "a"}})
        assert len(db.scan(TableName="t")["Items"]) == 610
    print("ok")
    """
)


def test_a_transaction_copies_only_the_partitions_it_names() -> None:
    _passes(_COPIES)


# A Scan read page by page gives every item once, in order, each page starting where the last ended.
_PAGES = textwrap.dedent(
    """
    import os
    os.environ.update(AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s", AWS_DEFAULT_REGION="us-east-1")
    import boto3
    from moto import mock_aws
    from moto.dynamodb.models.table import Table
    from cfp_tools.local import moto_speedups

    def pages(db, **scan):
        found = []
        for page in db.get_paginator("scan").paginate(TableName="t", **scan):
            found += [(i["pk"]["S"], i["sk"]["S"]) for i in page["Items"]]
        return found

    def fill(db):
        db.create_table(**TABLE)
        for pk in range(120):
            for sk in ("b", "a", "c"):
                db.put_item(TableName="t", Item={"pk": {"S": f"p{pk:03d}"}, "sk": {"S": sk}})

    with mock_aws():
        db = boto3.client("dynamodb")
        fill(db)
        expected = pages(db, PaginationConfig={"PageSize": 7})
    moto_speedups.apply()
    compared = []
    original = Table._item_comes_before_dct
    Table._item_comes_before_dct = lambda *a, **k: compared.append(1) or original(*a, **k)
    with mock_aws():
        db = boto3.client("dynamodb")
        fill(db)
        assert pages(db, PaginationConfig={"PageSize": 7}) == expected
        assert len(expected) == 360 and expected == sorted(expected)
        assert compared == [], f"{len(compared)} items walked past to find where pages start"
    print("ok")
    """
)


def test_a_paginated_scan_starts_each_page_where_the_last_ended() -> None:
    _passes(_PAGES)


# Every attribute type, nested, reads back the same through GetItem, Query, Scan and BatchGetItem with and
# without the patches; binary values take moto's own path (they are base64-encoded on the way out).
_ITEMS = textwrap.dedent(
    """
    import json, os, sys
    os.environ.update(AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s", AWS_DEFAULT_REGION="us-east-1")
    import boto3
    from moto import mock_aws
    from cfp_tools.local import moto_speedups

    if sys.argv[1] == "patched":
        moto_speedups.apply()
    values = {
        "s": {"S": "é ✓"}, "n": {"N": "12.5"}, "yes": {"BOOL": True}, "none": {"NULL": True},
        "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]}, "b": {"B": b"\\x00\\xff"},
        "bs": {"BS": [b"\\x01", b"\\x02"]},
        "m": {"M": {"inner": {"L": [{"S": "x"}, {"N": "1"}, {"M": {"deep": {"B": b"\\x07"}}}]}}},
        "l": {"L": [{"S": "plain"}, {"BOOL": False}]},
    }
    with mock_aws():
        db = boto3.client("dynamodb")
        db.create_table(**TABLE)
        db.put_item(TableName="t", Item={"pk": {"S": "p"}, "sk": {"S": "binary"}, **values})
        plain = {k: v for k, v in values.items() if k not in ("b", "bs", "m")}
        db.put_item(TableName="t", Item={"pk": {"S": "p"}, "sk": {"S": "plain"}, **plain})
        key = {"pk": {"S": "p"}, "sk": {"S": "plain"}}
        answers = [
            db.get_item(TableName="t", Key=key)["Item"],
            db.query(
                TableName="t",
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": "p"}},
            )["Items"],
            db.scan(TableName="t")["Items"],
            db.batch_get_item(RequestItems={"t": {"Keys": [key]}})["Responses"],
        ]
    print(repr(answers))
    """
)


def test_items_read_back_the_same_with_the_patches() -> None:
    def answers(mode: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", _TABLE + _ITEMS, mode],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    patched = answers("patched")
    assert "binary" in patched and "plain" in patched
    assert patched == answers("unpatched")


# A Scan read page by page costs work in proportion to the items it returns: moto walked every item up to
# each page's start key (5,500 visits to read 1,000 items in pages of 100) and serialized each item value by
# value (17 steps an item); patched, each item is visited once and goes out in one step.
_SCAN_COST = textwrap.dedent(
    """
    import os
    os.environ.update(AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s", AWS_DEFAULT_REGION="us-east-1")
    import boto3
    from moto import mock_aws
    from moto.core.serialize import ResponseSerializer
    from moto.dynamodb.models.dynamo_type import Item
    from cfp_tools.local import moto_speedups

    moto_speedups.apply()
    work = {"visited": 0, "serialized": 0}

    def counted(name, step):
        def run(*args, **kwargs):
            work[name] += 1
            return step(*args, **kwargs)
        return run

    with mock_aws():
        db = boto3.client("dynamodb")
        db.create_table(**TABLE)
        for start in range(0, 1000, 25):
            db.batch_write_item(RequestItems={"t": [
                {"PutRequest": {"Item": {
                    "pk": {"S": f"SUB#{n}"}, "sk": {"S": "META"}, "title": {"S": "A poster"},
                    "count": {"N": "3"}, "tags": {"M": {"a": {"S": "b"}, "c": {"L": [{"N": "1"}]}}},
                }}}
                for n in range(start, start + 25)
            ]})
        Item.is_within_segment = counted("visited", Item.is_within_segment)
        ResponseSerializer._serialize = counted("serialized", ResponseSerializer._serialize)
        scan = db.get_paginator("scan").paginate(TableName="t", PaginationConfig={"PageSize": 100})
        pages = [len(page["Items"]) for page in scan]
        assert sum(pages) == 1000, pages
        assert work["visited"] <= 1000 + len(pages), f"{work['visited']} items visited to read 1,000"
        assert work["serialized"] < 2 * 1000, f"{work['serialized']} serializer steps for 1,000 items"
    print("ok")
    """
)


def test_a_scan_costs_little_per_item() -> None:
    _passes(_SCAN_COST)


# Four receivers drain one queue at once through moto's server, as the local stack's pollers do: each
# message is received once and, once deleted, nothing stays in flight.
_RECEIVERS = textwrap.dedent(
    """
    import os, threading
    from collections import Counter
    os.environ.update(AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s", AWS_DEFAULT_REGION="us-east-1")
    import boto3
    from moto.server import ThreadedMotoServer
    from cfp_tools.local import moto_speedups
    from cfp_tools.local.moto_server import keep_alive

    moto_speedups.apply()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    server._server.RequestHandlerClass = keep_alive(server._server.RequestHandlerClass)
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    sqs = boto3.client("sqs", endpoint_url=url)
    queue = sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "600"})["QueueUrl"]
    for start in range(0, 1500, 10):
        entries = [{"Id": str(n), "MessageBody": str(start + n)} for n in range(10)]
        sqs.send_message_batch(QueueUrl=queue, Entries=entries)
    received, lock = [], threading.Lock()

    def receive():
        client = boto3.client("sqs", endpoint_url=url)
        while True:
            got = client.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            messages = got.get("Messages", [])
            if not messages:
                return
            with lock:
                received.extend(m["Body"] for m in messages)
            handles = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)]
            assert not client.delete_message_batch(QueueUrl=queue, Entries=handles).get("Failed")

    threads = [threading.Thread(target=receive) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    twice = [body for body, n in Counter(received).items() if n > 1]
    assert len(received) == 1500 and not twice, (len(received), twice[:5])
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0", attributes
    server.stop()
    print("ok")
    """
)


def test_concurrent_receivers_each_get_a_message_once() -> None:
    _passes(_RECEIVERS)
