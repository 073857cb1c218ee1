"""DynamoDB adapter for organizer sessions, in the submissions table beside the sign-in links.

| pk                 | sk          | what                                                              |
|--------------------|-------------|-------------------------------------------------------------------|
| ``SESSION#<hash>`` | ``SESSION`` | an open session: whose, until when (TTL); signing out deletes it   |

Only the hash of a session's id is stored, so reading the table gives no cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from cfp.errors import SignInUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

T = TypeVar("T")


def _key(session_hash: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"SESSION#{session_hash}"}, "sk": {"S": "SESSION"}}


def _guarded(call: Callable[[], T]) -> T:
    try:
        return call()
    except (BotoCoreError, ClientError) as error:
        raise SignInUnavailable(str(error)) from error


class DynamoSessions:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def open_session(self, session_hash: str, email: str, expires_at: datetime) -> None:
        item = {
            **_key(session_hash),
            "email": {"S": email},
            "expires_epoch": {"N": str(int(expires_at.timestamp()))},
        }
        _guarded(lambda: self._client.put_item(TableName=self._table, Item=item))

    def session_is_open(self, session_hash: str, now: datetime) -> bool:
        """Whether the session was opened and not closed (TTL deletes lazily, so expiry is checked here)."""
        found = _guarded(
            lambda: self._client.get_item(TableName=self._table, Key=_key(session_hash), ConsistentRead=True)
        )
        item = found.get("Item")
        return item is not None and int(item["expires_epoch"]["N"]) > int(now.timestamp())

    def close_session(self, session_hash: str) -> None:
        _guarded(lambda: self._client.delete_item(TableName=self._table, Key=_key(session_hash)))
