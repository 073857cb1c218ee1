"""DynamoDB adapter for organizer sessions and sign-in mails, in the submissions table beside the links.

| pk                 | sk          | what                                                              |
|--------------------|-------------|-------------------------------------------------------------------|
| ``SESSION#<hash>`` | ``SESSION`` | an open session: whose, until when (TTL); signing out deletes it   |
| ``MAILED#<hash>``  | ``LINK``    | when a mailbox last got a link still unused (TTL: its expiry)      |
| ``LINK#<hash>``    | ``LINK``    | a one-time link, whose address, until used or expired (TTL)        |

Only hashes are stored (of a session's id, of an address), so reading the table gives no cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from cfp.errors import SignInUnavailable
from cfp.table_items import condition_failed

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


def _link_key(secret_hash: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"LINK#{secret_hash}"}, "sk": {"S": "LINK"}}


class DynamoSignInRecords:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def save_link(self, secret_hash: str, email: str, expires_at: datetime) -> None:
        """Remember a sign-in link by its secret's hash until it expires (DynamoDB's TTL removes it)."""
        item = {
            **_link_key(secret_hash),
            "email": {"S": email},
            "expires_epoch": {"N": str(int(expires_at.timestamp()))},
        }
        _guarded(lambda: self._client.put_item(TableName=self._table, Item=item))

    def redeem_link(self, secret_hash: str, now: datetime) -> str | None:
        """The address a link was sent to, deleting it in the same conditional write so it works once;
        None for an unknown, used or expired link (TTL deletes lazily, so expiry is checked here)."""

        def delete() -> dict[str, Any]:
            try:
                return dict(
                    self._client.delete_item(
                        TableName=self._table,
                        Key=_link_key(secret_hash),
                        ConditionExpression="attribute_exists(pk) AND expires_epoch > :now",
                        ExpressionAttributeValues={":now": {"N": str(int(now.timestamp()))}},
                        ReturnValues="ALL_OLD",
                    )
                )
            except ClientError as error:
                if condition_failed(error):
                    return {}
                raise

        email = _guarded(delete).get("Attributes", {}).get("email", {}).get("S", "")
        return str(email) or None

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

    def claim_link_mail(self, mailbox: str, now: datetime, mailed_before: datetime, until: datetime) -> bool:
        key = {"pk": {"S": f"MAILED#{mailbox}"}, "sk": {"S": "LINK"}}
        try:
            self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="SET mailed_epoch = :now, expires_epoch = :until",
                ConditionExpression="attribute_not_exists(mailed_epoch) OR mailed_epoch <= :before",
                ExpressionAttributeValues={
                    ":now": {"N": str(now.timestamp())},
                    ":before": {"N": str(mailed_before.timestamp())},
                    ":until": {"N": str(int(until.timestamp()))},
                },
            )
        except ClientError as error:
            if condition_failed(error):
                return False
            raise SignInUnavailable(str(error)) from error
        except BotoCoreError as error:
            raise SignInUnavailable(str(error)) from error
        return True

    def release_link_mail(self, mailbox: str) -> None:
        key = {"pk": {"S": f"MAILED#{mailbox}"}, "sk": {"S": "LINK"}}
        _guarded(lambda: self._client.delete_item(TableName=self._table, Key=key))
