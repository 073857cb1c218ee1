"""A rendered mail and its MIME form.

Headers are built by the standard library's ``EmailMessage``, which encodes any Unicode and refuses
CR/LF in header values, so a title or name can never inject a header. HTML is rendered with autoescaping.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Mail:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    cc: tuple[str, ...] = ()
    reply_to: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = field(default=())

    def recipients(self) -> list[str]:
        return [*self.to, *self.cc]

    def without(self, held: set[str]) -> Mail | None:
        """This mail to its other recipients only (a copy moves up to To when every To is held), or None
        when every recipient is held."""
        to = tuple(a for a in self.to if a not in held)
        cc = tuple(a for a in self.cc if a not in held)
        if not to and not cc:
            return None
        return replace(self, to=to or cc, cc=cc if to else ())

    def to_mime(self, sender: str, sender_name: str, sent_at: datetime) -> bytes:
        message = EmailMessage()
        message["From"] = formataddr((sender_name, sender))
        message["To"] = ", ".join(self.to)
        if self.cc:
            message["Cc"] = ", ".join(self.cc)
        if self.reply_to:
            message["Reply-To"] = ", ".join(self.reply_to)
        message["Subject"] = " ".join(self.subject.split())
        message["Date"] = formatdate(sent_at.timestamp(), usegmt=True)
        message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
        message.set_content(self.text)
        message.add_alternative(self.html, subtype="html")
        for attachment in self.attachments:
            maintype, _, subtype = attachment.content_type.partition("/")
            message.add_attachment(
                attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
            )
        return message.as_bytes()
