"""Adapters for the public program: the boards in the table (one item, changed only on condition that it
is as it was read) and the published snapshot's files in the bucket under ``program/``, outside the
uploads' prefix and its event filter, served by the API as they are."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from cfp.errors import TableUnavailable
from cfp.program import FILES, BoardTaken, Program
from cfp.table_items import condition_failed, from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

PREFIX = "program/"
_KEY = {"pk": "PROGRAM", "sk": "BOARDS"}


class BoardTable:
    """Every poster's board, by submission id, in one item."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def boards(self) -> dict[str, str]:
        try:
            item = self._client.get_item(TableName=self._table, Key=to_item(_KEY), ConsistentRead=True)
        except (BotoCoreError, ClientError) as error:
            raise TableUnavailable(f"the boards could not be read: {error}") from error
        if "Item" not in item:
            return {}
        return {str(k): str(v) for k, v in dict(from_item(item["Item"]).get("boards", {})).items()}

    def assign(self, wanted: Mapping[str, str], before: Mapping[str, str]) -> None:
        merged = {**before, **wanted}
        condition = "boards = :before" if before else "attribute_not_exists(pk) OR size(boards) = :zero"
        values: dict[str, Any] = {":after": merged}
        values.update({":before": dict(before)} if before else {":zero": 0})
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_item(_KEY),
                UpdateExpression="SET boards = :after",
                ConditionExpression=condition,
                ExpressionAttributeValues=to_item(values),
            )
        except ClientError as error:
            if condition_failed(error):
                raise BoardTaken("the boards changed meanwhile; try again") from error
            raise TableUnavailable(f"the boards could not be written: {error}") from error
        except BotoCoreError as error:
            raise TableUnavailable(f"the boards could not be written: {error}") from error


class ProgramFiles:
    """The published program's files in the bucket."""

    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def read(self, name: str) -> tuple[str, bytes, str] | None:
        try:
            answer = self._client.get_object(Bucket=self._bucket, Key=PREFIX + name)
        except ClientError as error:
            # Without s3:ListBucket (which the API is not given), S3 answers a missing key with
            # AccessDenied rather than NoSuchKey; the API may read program/*, so either means "not yet".
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "AccessDenied"}:
                return None
            raise TableUnavailable(f"the program could not be read: {error}") from error
        except BotoCoreError as error:
            raise TableUnavailable(f"the program could not be read: {error}") from error
        return str(answer.get("ContentType", "")), answer["Body"].read(), str(answer.get("ETag", ""))

    def current(self) -> Program | None:
        found = self.read(FILES["json"])
        return Program.model_validate_json(found[1]) if found else None

    def publish(self, program: Program, rendered: Mapping[str, tuple[str, bytes]]) -> None:
        """Write every file, the JSON (which the next publication compares with) last."""
        order = sorted(rendered, key=lambda name: name == FILES["json"])
        try:
            for name in order:
                content_type, body = rendered[name]
                self._client.put_object(
                    Bucket=self._bucket, Key=PREFIX + name, Body=body, ContentType=content_type
                )
        except (BotoCoreError, ClientError) as error:
            raise TableUnavailable(f"the program could not be published: {error}") from error
