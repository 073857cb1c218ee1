"""``cfp extend``: grant one submission, or several, more time until a given instant.

An extension replaces the deadline for those submissions only (never moves it earlier): the API accepts
edits and issues upload URLs until then, presigned uploads may live until then plus grace, and uploads
recorded before then are on time. Who granted it and when are stored on the submission.

Against a deployed stack the table comes from the stack's ``SubmissionsTableName`` output (default AWS
credentials); against ``cfp local`` it comes from the local stack's control endpoint.
"""

from __future__ import annotations

import argparse
import json
import urllib.request
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import boto3

from cfp.clock import SystemClock
from cfp.deadline import describe, parse_deadline
from cfp.errors import SubmissionNotFound
from cfp.store import SubmissionStore


def grant(
    store: SubmissionStore, ids: Sequence[str], until: datetime, granted_by: str, now: datetime
) -> list[str]:
    """Record the extension on every submission; returns unknown ids (and grants nothing if any)."""
    missing = []
    for submission_id in ids:
        try:
            store.get(submission_id)
        except SubmissionNotFound:
            missing.append(submission_id)
    if missing:
        return missing
    for submission_id in ids:
        store.grant_extension(submission_id, until, granted_by, now)
    return []


def _deployed_store(stack: str, region: str | None) -> SubmissionStore:
    cloudformation = boto3.client("cloudformation", region_name=region)
    outputs = cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    table = next(o["OutputValue"] for o in outputs if o["OutputKey"] == "SubmissionsTableName")
    return SubmissionStore(boto3.client("dynamodb", region_name=region), table)


def _local_store(api_url: str) -> SubmissionStore:
    with urllib.request.urlopen(f"{api_url.rstrip('/')}/_local/resources", timeout=10) as response:  # noqa: S310
        document: dict[str, Any] = json.load(response)
    client = boto3.client(
        "dynamodb",
        endpoint_url=document["endpoint"],
        region_name=document["region"],
        aws_access_key_id=document["access_key_id"],
        aws_secret_access_key=document["secret_access_key"],
    )
    return SubmissionStore(client, document["resources"]["SubmissionsTable"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cfp extend", description=__doc__)
    parser.add_argument("submission_ids", nargs="+", metavar="ID")
    parser.add_argument(
        "--until", required=True, help="new deadline for these submissions (ISO 8601 or ... AoE)"
    )
    parser.add_argument("--by", required=True, help="who grants it (recorded with the time)")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--stack", help="name of a deployed stack")
    target.add_argument(
        "--local", metavar="API_URL", nargs="?", const="http://127.0.0.1:3000", help="a cfp local"
    )
    parser.add_argument("--region", help="AWS region of the deployed stack")
    args = parser.parse_args(argv)
    try:
        until = parse_deadline(args.until)
    except ValueError as error:
        parser.error(str(error))
    store = _local_store(args.local) if args.local else _deployed_store(args.stack, args.region)
    missing = grant(store, args.submission_ids, until, args.by, SystemClock().now())
    if missing:
        print(f"cfp extend: no submission {', '.join(missing)}; nothing was granted")
        return 1
    for submission_id in args.submission_ids:
        print(f"{submission_id}: open until {describe(until)}, granted by {args.by}")
    return 0
