"""Sealing the receipt's bearer token for its trip through the notification queue.

The token is the authors' key to their submission and the store keeps only its hash. The receipt mail must
carry it, so the event that asks for the receipt carries it sealed with a KMS key that only the API and the
notifier may use: a message read from the queue or its dead-letter queue by anyone else, for the 14 days a
dead letter is kept, shows ciphertext. The submission id is bound in as encryption context, so a sealed
token cannot be replayed into another submission's receipt.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from cfp.errors import SealingFailed

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient


class KmsTokenSealer:
    def __init__(self, client: KMSClient, key_id: str) -> None:
        self._client = client
        self._key_id = key_id

    def seal(self, token: str, submission_id: str) -> str:
        try:
            blob = self._client.encrypt(
                KeyId=self._key_id,
                Plaintext=token.encode(),
                EncryptionContext={"submission": submission_id},
            )["CiphertextBlob"]
        except (BotoCoreError, ClientError) as error:
            raise SealingFailed(str(error)) from error
        return base64.b64encode(blob).decode()

    def open(self, sealed: str, submission_id: str) -> str:
        try:
            plain = self._client.decrypt(
                KeyId=self._key_id,
                CiphertextBlob=base64.b64decode(sealed),
                EncryptionContext={"submission": submission_id},
            )["Plaintext"]
        except (BotoCoreError, ClientError) as error:
            raise SealingFailed(str(error)) from error
        return plain.decode()
