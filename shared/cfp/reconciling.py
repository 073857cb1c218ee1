"""What the bucket holds that the records do not: objects S3 stored in a slot the service issued, whose
event never reached the validator. S3 is the truth; the keeper and ``cfp admin reconcile`` put such
objects back on the validation queue, so no upload goes unjudged for a lost event."""

from __future__ import annotations

from collections.abc import Mapping

from cfp.model import Submission, Version, parse_final_key, parse_upload_key
from cfp.ports import StoredObject


def unrecorded_objects(
    prefix: str,
    everything: list[tuple[Submission, list[Version]]],
    listing: list[StoredObject],
    finals: Mapping[str, list[Version]] | None = None,
) -> list[tuple[Submission, StoredObject]]:
    """Objects S3 holds in a slot the service issued that the store has never seen, each with its
    submission: in a first version's slot, and with ``finals`` (each submission's final uploads) in a final
    upload's slot too. The keeper re-queues the on-time ones, ``cfp admin reconcile`` all."""
    records = {s.id: (s, vs) for s, vs in everything}
    found = []
    for stored in listing:
        owner, versions_of = parse_upload_key(prefix, stored.key), None
        if owner is None and finals is not None:
            owner, versions_of = parse_final_key(prefix, stored.key), finals
        if owner is None or owner[0] not in records:
            continue
        submission, first_versions = records[owner[0]]
        versions = first_versions if versions_of is None else versions_of.get(owner[0], [])
        if not any(v.number == owner[1] for v in versions):
            continue
        # An event without a version id (moto's) names its object by ETag, a listing always has both.
        known = {(v.number, name) for v in versions if v.uploaded for name in (v.version_id, v.etag) if name}
        if not {(owner[1], stored.version_id), (owner[1], stored.etag)} & known:
            found.append((submission, stored))
    return found
