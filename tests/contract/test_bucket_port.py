"""The uploads bucket's port, held by the fake and by the S3 adapter over moto alike: what is read back,
how much of it, what is listed, and what cannot be read."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cfp.errors import ObjectUnreadable
from cfp.ports import StoredObject, UploadStorage
from cfp.uploads import UploadBucket
from cfp_tools.template import REGION
from tests.support.fakes import FakeBucket
from tests.support.records import T0


@dataclass
class Bucket:
    storage: UploadStorage
    put: Callable[[str, bytes], StoredObject]


def _s3_bucket() -> Bucket:
    s3: Any = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="uploads")
    s3.put_bucket_versioning(Bucket="uploads", VersioningConfiguration={"Status": "Enabled"})
    storage = UploadBucket(s3, "uploads")

    def put(key: str, data: bytes) -> StoredObject:
        written = s3.put_object(Bucket="uploads", Key=key, Body=data)
        return StoredObject(key, written["VersionId"], T0, len(data), str(written["ETag"]).strip('"'))

    return Bucket(storage, put)


def _fake_bucket() -> Bucket:
    fake = FakeBucket()
    return Bucket(fake, lambda key, data: fake.put(key, data, T0))


@pytest.fixture(params=["fake", "s3"])
def bucket(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Bucket]:
    if request.param == "fake":
        yield _fake_bucket()
        return
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        yield _s3_bucket()


def test_each_version_of_a_key_reads_back_as_it_was_written(bucket: Bucket) -> None:
    first = bucket.put("uploads/a/v1.pdf", b"%PDF-first")
    second = bucket.put("uploads/a/v1.pdf", b"%PDF-second")
    assert bucket.storage.read(first.key, first.version_id, 100) == b"%PDF-first"
    assert bucket.storage.read(second.key, second.version_id, 100) == b"%PDF-second"
    assert b"".join(bucket.storage.stream(first.key, first.version_id)) == b"%PDF-first"


def test_a_read_stops_one_byte_past_the_most_the_call_accepts(bucket: Bucket) -> None:
    stored = bucket.put("uploads/a/v1.pdf", b"x" * 50)
    assert bucket.storage.read(stored.key, stored.version_id, 10) == b"x" * 11


def test_every_version_under_a_prefix_is_listed_and_nothing_else(bucket: Bucket) -> None:
    first = bucket.put("uploads/a/v1.pdf", b"one")
    second = bucket.put("uploads/a/v1.pdf", b"two!")
    bucket.put("archives/a.zip", b"zip")
    listed = bucket.storage.list_uploads("uploads/")
    assert sorted((o.key, o.version_id, o.size) for o in listed) == sorted(
        [(first.key, first.version_id, 3), (second.key, second.version_id, 4)]
    )
    assert bucket.storage.list_uploads("nothing/") == []


def test_an_object_that_is_not_there_cannot_be_streamed(bucket: Bucket) -> None:
    stored = bucket.put("uploads/a/v1.pdf", b"one")
    with pytest.raises(ObjectUnreadable):
        b"".join(bucket.storage.stream("uploads/b/v1.pdf", stored.version_id))


def test_a_download_link_names_the_object(bucket: Bucket) -> None:
    stored = bucket.put("uploads/a/v1.pdf", b"one")
    assert "uploads/a/v1.pdf" in bucket.storage.download_link(stored.key, stored.version_id, 300)


def test_a_presigned_post_is_for_exactly_its_key(bucket: Bucket) -> None:
    post = bucket.storage.presign_post("uploads/a/v2.pdf", 1000, T0, T0.replace(minute=15))
    assert post.fields["key"] == "uploads/a/v2.pdf" and post.url.startswith("https://")
