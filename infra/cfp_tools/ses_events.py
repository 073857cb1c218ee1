"""SES's bounce and complaint events as they reach the feedback queue: the JSON SES publishes for a
configuration set's event destination, wrapped in the SNS notification that SNS delivers to SQS (not raw
delivery). Shapes follow AWS's documented examples, headers trimmed. The tests and ``cfp bounce`` (which
puts one on a running local stack's feedback queue, since moto's SES never bounces) build them here."""

from __future__ import annotations

import json
from typing import Any

TOPIC = "arn:aws:sns:us-east-1:123456789012:cfp-MailFeedbackTopic-1R5JZ0TQ8W4V9"


def _mail(recipients: list[str]) -> dict[str, Any]:
    return {
        "timestamp": "2017-08-21T09:30:00.000Z",
        "source": "AI Systems Workshop at SOSP 2017 <cfp@example.org>",
        "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/example.org",
        "sendingAccountId": "123456789012",
        "messageId": "0100015dd1e1b1c2-3c4f1a52-7b1e-4bd2-9f5e-d2d1f1e1a1b1-000000",
        "destination": recipients,
        "headersTruncated": False,
        "headers": [{"name": "Subject", "value": "[AI Systems Workshop at SOSP 2017] Your submission"}],
        "commonHeaders": {
            "from": ["AI Systems Workshop at SOSP 2017 <cfp@example.org>"],
            "to": recipients,
            "messageId": "0100015dd1e1b1c2-3c4f1a52-7b1e-4bd2-9f5e-d2d1f1e1a1b1-000000",
            "subject": "[AI Systems Workshop at SOSP 2017] Your submission",
        },
        "tags": {
            "ses:operation": ["SendEmail"],
            "ses:configuration-set": ["cfp-MailConfigurationSet-8JQK2H0D1A5C"],
            "ses:source-ip": ["192.0.2.0"],
            "ses:from-domain": ["example.org"],
            "ses:caller-identity": ["cfp-NotifierFunctionRole-1ABCDEF"],
        },
    }


def bounce(
    recipients: list[str], bounce_type: str = "Permanent", sub_type: str = "General"
) -> dict[str, Any]:
    return {
        "eventType": "Bounce",
        "bounce": {
            "feedbackId": "0100015dd1e2c3d4-1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e-000000",
            "bounceType": bounce_type,
            "bounceSubType": sub_type,
            "bouncedRecipients": [
                {
                    "emailAddress": address,
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                }
                for address in recipients
            ],
            "timestamp": "2017-08-21T09:30:02.669Z",
            "reportingMTA": "dsn; a8-70.smtp-out.amazonses.com",
        },
        "mail": _mail(recipients),
    }


def complaint(recipients: list[str]) -> dict[str, Any]:
    return {
        "eventType": "Complaint",
        "complaint": {
            "feedbackId": "0100015dd1e3e4f5-2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f-000000",
            "complaintSubType": None,
            "complainedRecipients": [{"emailAddress": address} for address in recipients],
            "timestamp": "2017-08-21T10:02:11.000Z",
            "userAgent": "Mozilla/5.0",
            "complaintFeedbackType": "abuse",
            "arrivalDate": "2017-08-21T10:02:09.000Z",
        },
        "mail": _mail(recipients),
    }


def sns_body(event: dict[str, Any]) -> str:
    """The SQS message body SNS delivers for one SES event (SNS spells two keys differently for SQS)."""
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": "a1b2c3d4-e5f6-5a7b-8c9d-0e1f2a3b4c5d",
            "TopicArn": TOPIC,
            "Subject": None,
            "Message": json.dumps(event),
            "Timestamp": "2017-08-21T09:30:02.812Z",
            "SignatureVersion": "1",
            "Signature": "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkh=",
            "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem",
            "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn="
            + TOPIC
            + ":9e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        }
    )


def sqs_event(*bodies: str) -> dict[str, Any]:
    """The event the feedback function gets from its queue."""
    return {
        "Records": [
            {
                "messageId": f"5f1d2c3b-4a5e-4f6d-8b7c-9a0e1f2d3c{i:02d}",
                "receiptHandle": f"AQEB{i}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1503307802900",
                    "SenderId": "AIDAIT2UOQQY3AUEKVGXU",
                    "ApproximateFirstReceiveTimestamp": "1503307802910",
                },
                "messageAttributes": {},
                "md5OfBody": "7b270e59b47ff90a553787216d55d91d",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:cfp-MailFeedbackQueue-1MB3Y1F7U8F2A",
                "awsRegion": "us-east-1",
            }
            for i, body in enumerate(bodies)
        ]
    }
