"""SES's event notifications, as they reach the feedback queue: an SNS notification (not raw delivery)
whose ``Message`` is the JSON SES published for the configuration set's BOUNCE and COMPLAINT events.

The envelope is Powertools' ``SnsNotificationModel``; Powertools has no model for SES's sending events, so
those below follow AWS's documented contents, keeping only what the call uses and ignoring the rest.
Identity notifications (``notificationType`` instead of ``eventType``) carry the same objects and are read
the same way. Any other event type (a delivery, should someone add it to the destination) is ignored.
"""

from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools.utilities.parser.models import SnsNotificationModel
from pydantic import BaseModel, ConfigDict

from cfp.mail_feedback import Feedback, FeedbackKind


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class BouncedRecipient(_Lenient):
    emailAddress: str
    action: str | None = None
    status: str | None = None
    diagnosticCode: str | None = None


class Bounce(_Lenient):
    bounceType: str
    bounceSubType: str = ""
    bouncedRecipients: list[BouncedRecipient]
    timestamp: datetime
    feedbackId: str


class ComplainedRecipient(_Lenient):
    emailAddress: str


class Complaint(_Lenient):
    complainedRecipients: list[ComplainedRecipient]
    timestamp: datetime
    feedbackId: str
    complaintFeedbackType: str | None = None
    complaintSubType: str | None = None


class SentMail(_Lenient):
    messageId: str
    timestamp: datetime
    destination: list[str] = []


class SesEvent(_Lenient):
    eventType: str | None = None
    notificationType: str | None = None
    bounce: Bounce | None = None
    complaint: Complaint | None = None
    mail: SentMail


def feedback_in(body: str) -> list[Feedback]:
    """Every recipient's feedback in one SQS message body; raises pydantic's ValidationError for a body
    that is not an SNS notification of an SES event (it goes to the dead-letter queue)."""
    envelope = SnsNotificationModel.model_validate_json(body)
    event = SesEvent.model_validate_json(str(envelope.Message))
    kind = event.eventType or event.notificationType
    if kind == "Bounce" and event.bounce is not None:
        bounce = event.bounce
        hard = bounce.bounceType == "Permanent"
        return [
            Feedback(
                FeedbackKind.HARD_BOUNCE if hard else FeedbackKind.SOFT_BOUNCE,
                recipient.emailAddress,
                bounce.timestamp,
                bounce.feedbackId,
                ", ".join(
                    part
                    for part in (f"{bounce.bounceType}/{bounce.bounceSubType}", recipient.diagnosticCode)
                    if part
                ),
            )
            for recipient in bounce.bouncedRecipients
        ]
    if kind == "Complaint" and event.complaint is not None:
        complaint = event.complaint
        return [
            Feedback(
                FeedbackKind.COMPLAINT,
                recipient.emailAddress,
                complaint.timestamp,
                complaint.feedbackId,
                complaint.complaintFeedbackType or "",
            )
            for recipient in complaint.complainedRecipients
        ]
    return []
