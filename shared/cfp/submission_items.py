"""How a submission's items read and write: its record, its version slots and their objects, the audit
entries kept beside them, and the condition a live submission's record holds to. Shared by every adapter
that reads or writes a submission's partition (``cfp.store``, ``cfp.final_store``, ``cfp.bookkeeping_store``,
``cfp.decision_store``, ``cfp.release_store``, ``cfp.review_store``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from cfp.formatcheck.models import Verdict
from cfp.model import Submission, Version
from cfp.ports import AuditEntry, Rejudge
from cfp.table_items import iso, submission_pk, to_item

# The condition every write to a live submission's record holds to: it exists and is not withdrawn.
LIVE = "attribute_exists(pk) AND attribute_not_exists(withdrawn_at)"
# Items of a submission's partition that ``cfp.review_store`` reads; a snapshot hands them over as they are.
REVIEWING_KEYS = ("REVIEW#", "CONFLICT#", "COMMENT#")
# What an object item records about the upload itself (its verdict and attention flag come later).
OBJECT_FIELDS = {
    "number",
    "object_id",
    "version_id",
    "uploaded_at",
    "sequencer",
    "size",
    "etag",
    "reused_url",
}


def submission_from(values: dict[str, Any]) -> Submission:
    values = {k: v for k, v in values.items() if k not in {"pk", "sk"}}
    values["authors"] = json.loads(values["authors"])
    values["bounced"] = sorted(values.get("bounced", set()))
    return Submission.model_validate(values)


def audit_item(
    submission_id: str | None, by: str, action: str, detail: str, now: datetime, n: str
) -> dict[str, Any]:
    """A change an organizer made, on the submission or (without one) on the call; ``n`` tells apart two
    changes made in the same microsecond."""
    return to_item(
        {
            "pk": submission_pk(submission_id) if submission_id else "CALL",
            "sk": f"AUDIT#{iso(now)}#{n}",
            "by": by,
            "action": action,
            "detail": detail,
            "at": iso(now),
        }
    )


def audit_put(
    table: str, submission_id: str, by: str, action: str, detail: str, now: datetime, n: str
) -> Any:
    """The audit entry as one write of a transaction, so a change and its record land together."""
    return {"Put": {"TableName": table, "Item": audit_item(submission_id, by, action, detail, now, n)}}


def audit_from(item: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        datetime.fromisoformat(str(item["at"])), str(item["by"]), str(item["action"]), str(item["detail"])
    )


def slot_sk(upload: Version) -> str:
    """A slot's sort key: a first version's under ``VER#``, a final upload's under ``FIN#``
    (``cfp.final_store``), so reading a submission's first versions never meets its finals."""
    return version_sk(upload.number) if upload.kind == "abstract" else f"FIN#{upload.number:06d}"


def object_sk(upload: Version) -> str:
    assert upload.object_id is not None
    return f"{slot_sk(upload)}#OBJ#{upload.object_id}"


def judged(upload: Version) -> dict[str, Any]:
    """An object item's values with its verdict, and the measurer's version apart so writes can compare it."""
    assert upload.verdict is not None
    values = upload.model_dump(mode="json", include=OBJECT_FIELDS | {"validated_at"})
    return {**values, "verdict": upload.verdict.model_dump_json(), "measurer": upload.verdict.facts.measurer}


def versions_from(
    items: list[dict[str, Any]], judge_again: Rejudge | None = None, slots_under: str = "VER#"
) -> list[Version]:
    """Every object as a Version carrying its slot's details, and every slot not used yet, in slot order:
    the first versions, or with ``slots_under="FIN#"`` the final uploads."""
    slots = {
        str(i["sk"]): i for i in items if str(i["sk"]).startswith(slots_under) and "#OBJ#" not in str(i["sk"])
    }
    objects: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        sk = str(item["sk"])
        if "#OBJ#" in sk:
            objects.setdefault(sk.partition("#OBJ#")[0], []).append(item)
    versions = []
    for sk in sorted(slots):
        slot = {k: v for k, v in slots[sk].items() if k not in {"pk", "sk"}}
        in_upload_order = sorted(
            objects.get(sk, []), key=lambda i: (str(i.get("uploaded_at", "")), str(i.get("sequencer") or ""))
        )
        for stored in in_upload_order or [{}]:
            values = {**slot, **{k: v for k, v in stored.items() if k not in {"pk", "sk", "measurer"}}}
            verdict = values.pop("verdict", None)
            if verdict is not None:
                as_stored = Verdict.model_validate_json(verdict)
                values["verdict"] = judge_again(as_stored) if judge_again else as_stored
            versions.append(Version.model_validate(values))
    return versions


def version_sk(number: int) -> str:
    return f"VER#{number:06d}"
