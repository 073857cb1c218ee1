"""S3 adapter for uploads: where each version's file lives, and the presigned POST that puts it there.

The server picks the key, so an author can only ever write the version slot it was given. The POST policy
carries every rule S3 can enforce before the file is stored: the exact key, the size range, the content type
and the expiry (never later than the deadline plus grace, see ``cfp.deadline.upload_expiry``).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from cfp.errors import ObjectUnreadable
from cfp.ports import PresignedPost, StoredObject

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PDF_CONTENT_TYPE = "application/pdf"
# Chunks a PDF is read in, and parts a zip is written in (S3's smallest part but the last is 5 MiB).
READ_CHUNK_BYTES = 1024 * 1024
PART_BYTES = 8 * 1024 * 1024


class UploadBucket:
    """The uploads bucket, seen through the few calls the service makes."""

    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket
        self._links: LinkSigner | None = None

    def presign_post(self, key: str, max_bytes: int, now: datetime, expires_at: datetime) -> PresignedPost:
        # Rounded up: the policy's expiry is written in whole seconds from the signing instant, so rounding
        # down could end it before the cutoff ``expires_at`` already rounds to a whole second.
        lifetime = max(1, math.ceil((expires_at - now).total_seconds()))
        conditions: list[Any] = [
            {"bucket": self._bucket},
            ["eq", "$key", key],
            ["content-length-range", 1, max_bytes],
            ["eq", "$Content-Type", PDF_CONTENT_TYPE],
        ]
        post = self._client.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"Content-Type": PDF_CONTENT_TYPE},
            Conditions=conditions,
            ExpiresIn=lifetime,
        )
        return PresignedPost(url=post["url"], fields=dict(post["fields"]))

    def post_url(self) -> str:
        """Where browsers POST uploads: boto3's own choice of endpoint and addressing style, signed
        locally without a request, so the page's security policy names exactly that origin."""
        post = self._client.generate_presigned_post(Bucket=self._bucket, Key="origin", ExpiresIn=60)
        return str(post["url"])

    def read(self, key: str, version_id: str | None, max_bytes: int) -> bytes:
        """The object's bytes, refusing to read more than the service would ever accept."""
        kwargs: dict[str, Any] = {"Bucket": self._bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        kwargs["Range"] = f"bytes=0-{max_bytes}"
        body = self._client.get_object(**kwargs)["Body"]
        return body.read()

    def list_uploads(self, prefix: str) -> list[StoredObject]:
        """Every object version under ``prefix``: what S3 holds, whatever events did or did not arrive."""
        found = []
        paginator = self._client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
            for item in page.get("Versions", []):
                version_id = item.get("VersionId")
                found.append(
                    StoredObject(
                        key=item["Key"],
                        version_id=version_id if version_id and version_id != "null" else None,
                        last_modified=item["LastModified"],
                        size=int(item.get("Size", 0)),
                        etag=str(item.get("ETag", "")).strip('"'),
                    )
                )
        return found

    def stream(self, key: str, version_id: str | None) -> Iterator[bytes]:
        """The object's bytes in chunks of ``READ_CHUNK_BYTES``; ObjectUnreadable when S3 cannot give them."""
        kwargs: dict[str, Any] = {"Bucket": self._bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        try:
            body = self._client.get_object(**kwargs)["Body"]
            yield from body.iter_chunks(READ_CHUNK_BYTES)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "error")
            raise ObjectUnreadable(f"{key}: {code}") from error
        except BotoCoreError as error:
            raise ObjectUnreadable(f"{key}: {type(error).__name__}") from error

    def open_archive(self, key: str, filename: str) -> MultipartWriter:
        """A zip written to ``key`` in parts as it grows; saved as ``filename`` when downloaded."""
        return MultipartWriter(self._client, self._bucket, key, filename)

    def download_link(self, key: str, version_id: str | None, lifetime_seconds: int) -> str:
        """A presigned GET of exactly the object that was judged, even if the slot was written again. The
        signer is made again whenever the client's credentials have changed (a role's session renewed in a
        long-lived container), so no link is signed with keys that expired."""
        credentials = self._client._request_signer._credentials.get_frozen_credentials()  # type: ignore[attr-defined]
        if self._links is None or not self._links.signs_with(credentials.access_key, credentials.token):
            self._links = LinkSigner.for_bucket(self._client, self._bucket)
        return self._links.sign(key, version_id, lifetime_seconds, datetime.now(UTC))


class MultipartWriter:
    """An object written as it is produced: every ``PART_BYTES`` go to S3 as one part of a multipart
    upload, so memory holds one part at most. An object smaller than a part is one PutObject."""

    def __init__(self, client: S3Client, bucket: str, key: str, filename: str) -> None:
        self._client = client
        self._target = {"Bucket": bucket, "Key": key}
        self._headers = {
            "ContentType": "application/zip",
            "ContentDisposition": f'attachment; filename="{filename}"',
        }
        self._buffer = bytearray()
        self._size = 0
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []

    def write(self, data: bytes) -> int:
        self._buffer += data
        self._size += len(data)
        while len(self._buffer) >= PART_BYTES:
            self._send(bytes(self._buffer[:PART_BYTES]))
            del self._buffer[:PART_BYTES]
        return len(data)

    def _send(self, part: bytes) -> None:
        if self._upload_id is None:
            started = self._client.create_multipart_upload(**self._target, **self._headers)  # type: ignore[arg-type]
            self._upload_id = started["UploadId"]
        number = len(self._parts) + 1
        sent = self._client.upload_part(
            **self._target,  # type: ignore[arg-type]
            UploadId=self._upload_id,
            PartNumber=number,
            Body=part,
        )
        self._parts.append({"ETag": sent["ETag"], "PartNumber": number})

    def complete(self) -> int:
        if self._upload_id is None:
            self._client.put_object(**self._target, **self._headers, Body=bytes(self._buffer))  # type: ignore[arg-type]
        else:
            if self._buffer:
                self._send(bytes(self._buffer))
            self._client.complete_multipart_upload(
                **self._target,  # type: ignore[arg-type]
                UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},  # type: ignore[typeddict-item]
            )
        self._buffer.clear()
        return self._size

    def abort(self) -> None:
        """Drop the parts sent so far (the bucket's lifecycle rule also clears any left behind)."""
        if self._upload_id is not None:
            self._client.abort_multipart_upload(**self._target, UploadId=self._upload_id)  # type: ignore[arg-type]
            self._upload_id = None


_PROBE_KEY = "cfp-link-probe"


def _uri_encode(text: str, safe: str = "-_.~") -> str:
    return quote(text, safe=safe)


@dataclass(frozen=True)
class LinkSigner:
    """SigV4 query-string signing of S3 GETs, done here instead of by botocore for each link.

    botocore spends about 0.5 ms a presigned URL resolving the endpoint and running its event hooks, which
    made a 10,000-change digest take 5 s; the signature itself is two HMAC chains. The object's URL prefix
    comes from one botocore-presigned probe (so path or virtual-host style and custom endpoints follow
    the client's configuration) and the credentials from the client, so each link matches what botocore
    would sign at the same instant (a test compares them).
    """

    prefix: str  # scheme, host and the path up to the key
    host: str
    region: str
    access_key: str
    secret_key: str
    token: str | None

    def signs_with(self, access_key: str, token: str | None) -> bool:
        return (self.access_key, self.token) == (access_key, token)

    @classmethod
    def for_bucket(cls, client: Any, bucket: str) -> LinkSigner:
        probe = client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": _PROBE_KEY})
        parts = urlsplit(probe)
        path = parts.path.removesuffix(_PROBE_KEY)
        credentials = client._request_signer._credentials.get_frozen_credentials()
        return cls(
            prefix=f"{parts.scheme}://{parts.netloc}{path}",
            host=parts.netloc,
            region=client.meta.region_name,
            access_key=credentials.access_key,
            secret_key=credentials.secret_key,
            token=credentials.token,
        )

    def _signing_key(self, day: str) -> bytes:
        key = ("AWS4" + self.secret_key).encode()
        for part in (day, self.region, "s3", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        return key

    def sign(self, key: str, version_id: str | None, lifetime_seconds: int, now: datetime) -> str:
        stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        day = stamp[:8]
        scope = f"{day}/{self.region}/s3/aws4_request"
        query = {
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Credential": f"{self.access_key}/{scope}",
            "X-Amz-Date": stamp,
            "X-Amz-Expires": str(lifetime_seconds),
            "X-Amz-SignedHeaders": "host",
        }
        if self.token:
            query["X-Amz-Security-Token"] = self.token
        if version_id:
            query["versionId"] = version_id
        canonical_query = "&".join(
            f"{_uri_encode(name)}={_uri_encode(value)}" for name, value in sorted(query.items())
        )
        path = urlsplit(self.prefix).path + _uri_encode(key, safe="/~")
        canonical = "\n".join(
            ["GET", path, canonical_query, f"host:{self.host}", "", "host", "UNSIGNED-PAYLOAD"]
        )
        to_sign = "\n".join(
            ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
        )
        signature = hmac.new(self._signing_key(day), to_sign.encode(), hashlib.sha256).hexdigest()
        return f"{self.prefix}{_uri_encode(key, safe='/~')}?{canonical_query}&X-Amz-Signature={signature}"
