"""S3 adapter for uploads: where each version's file lives, and the presigned POST that puts it there.

The server picks the key, so an author can only ever write the version slot it was given. The POST policy
carries every rule S3 can enforce before the file is stored: the exact key, the size range, the content type
and the expiry (never later than the deadline plus grace, see ``cfp.deadline.upload_expiry``).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cfp.ports import PresignedPost, StoredObject

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PDF_CONTENT_TYPE = "application/pdf"


class UploadBucket:
    """The uploads bucket, seen through the few calls the service makes."""

    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

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

    def download_link(self, key: str, version_id: str | None, lifetime_seconds: int) -> str:
        """A presigned GET of exactly the object that was judged, even if the slot was written again."""
        params = {"Bucket": self._bucket, "Key": key}
        if version_id:
            params["VersionId"] = version_id
        return self._client.generate_presigned_url("get_object", Params=params, ExpiresIn=lifetime_seconds)
