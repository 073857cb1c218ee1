"""The local stack's moto server keeps connections open, and answers exactly as before on them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from cfp_tools.local.moto_server import keep_alive

# The kept-alive handler class the running fixture serves with.
_handler_class: list[Any] = []


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, list[int]]]:
    """A moto server on the kept-alive handler; its URL and the connections it accepted."""
    for name, value in {"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"}.items():
        monkeypatch.setenv(name, value)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    served = moto._server
    assert served is not None
    served.RequestHandlerClass = keep_alive(served.RequestHandlerClass)  # type: ignore[arg-type]
    _handler_class[:] = [served.RequestHandlerClass]
    accepted: list[int] = []
    process_request = served.process_request

    def counted(*args: Any) -> None:
        accepted.append(1)
        process_request(*args)

    served.process_request = counted  # type: ignore[method-assign, assignment]
    host, port = moto.get_host_and_port()
    try:
        yield f"http://{host}:{port}", accepted
    finally:
        moto.stop()


def _client(service: str, url: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name="us-east-1")  # type: ignore[call-overload]


def test_one_connection_serves_every_call_of_a_client(server: tuple[str, list[int]]) -> None:
    url, accepted = server
    sqs = _client("sqs", url)
    queue = sqs.create_queue(QueueName="q")["QueueUrl"]
    for body in ("one", "two", "three"):
        sqs.send_message(QueueUrl=queue, MessageBody=body)
    received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in received) == ["one", "three", "two"]
    with pytest.raises(ClientError, match="NonExistentQueue"):
        sqs.get_queue_url(QueueName="missing")

    s3 = _client("s3", url)
    s3.create_bucket(Bucket="uploads")
    s3.put_object(
        Bucket="uploads", Key="my file+x ü.pdf", Body=b"%PDF-1.4", Metadata={"with_underscore": "kept"}
    )
    head = s3.head_object(Bucket="uploads", Key="my file+x ü.pdf")
    assert head["ContentLength"] == 8 and head["Metadata"] == {"with_underscore": "kept"}
    assert s3.get_object(Bucket="uploads", Key="my file+x ü.pdf")["Body"].read() == b"%PDF-1.4"
    s3.delete_object(Bucket="uploads", Key="my file+x ü.pdf")
    with pytest.raises(ClientError, match="404"):
        s3.head_object(Bucket="uploads", Key="my file+x ü.pdf")

    assert len(accepted) == 2, f"{len(accepted)} connections for two clients"


def test_a_chunked_body_is_still_read(server: tuple[str, list[int]]) -> None:
    import http.client
    from urllib.parse import urlsplit

    url, _ = server
    _client("s3", url).create_bucket(Bucket="chunks")
    target = urlsplit(url)
    connection = http.client.HTTPConnection(target.hostname or "", target.port)
    connection.request("PUT", "/chunks/k", body=iter([b"ab", b"cd"]), encode_chunked=True)
    assert connection.getresponse().status == 200
    connection.close()
    assert _client("s3", url).get_object(Bucket="chunks", Key="k")["Body"].read() == b"abcd"


def test_answers_on_a_kept_alive_connection_do_not_wait_for_acknowledgements(
    server: tuple[str, list[int]],
) -> None:
    """Headers and body are two writes; with Nagle's algorithm the body waited for the client's delayed
    acknowledgement, 40 ms a call. Every connection the server accepts sends at once (TCP_NODELAY)."""
    import socket

    url, _ = server
    sqs = _client("sqs", url)
    seen: list[int] = []
    handler = _handler_class[0]
    setup = handler.setup

    def recording_setup(self: Any) -> None:
        setup(self)
        seen.append(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    handler.setup = recording_setup
    try:
        _client("sqs", url).list_queues()
        sqs.list_queues()
    finally:
        handler.setup = setup
    assert seen and all(seen), seen
