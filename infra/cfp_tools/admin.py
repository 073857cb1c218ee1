"""``cfp admin``: the organizers' and operators' operations from a terminal, against a deployed stack
(``--stack NAME``, with the operator's AWS credentials) or a running ``cfp local`` (``--local``).

Every command calls the same use cases as the console (``cfp.console``); the resource names and the
settings come from the stack itself (its resources and the API function's environment), so nothing is
configured twice. Nothing here deletes an author's file.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from cfp.adapters import Adapters
from cfp.bootstrap import (
    build_console,
    build_console_changes,
    build_operations,
    build_program_desk,
    build_releases,
)
from cfp.clock import SystemClock
from cfp.console import Console
from cfp.console_views import ExtensionRequest, SubmissionDetail
from cfp.deadline import describe, parse_deadline
from cfp.errors import (
    QueueNotFound,
    QueueUnavailable,
    SubmissionNotFound,
    SubmissionWithdrawn,
    UploadNotFound,
)
from cfp.instants import InstantOutOfRange
from cfp.model import Decision
from cfp.release_records import DecisionRequest, ReleaseNotFound, ReleaseStarted, ReleaseView
from cfp.releases import Releases
from cfp.settings import Settings
from cfp.uploads import UploadBucket
from cfp_tools import admin_finals

DEFAULT_API_URL = "http://127.0.0.1:3000"
# A release that has not moved for longer than the releaser's timeout has stopped (its message is retried
# or dead-lettered); send-decisions stops waiting for it then.
STALLED_SECONDS = 960


class AdminError(Exception):
    """A problem the operator can fix (no stack, no credentials, no local stack running)."""


@dataclass(frozen=True)
class Target:
    """A stack's resources by logical id, its API function's environment, and a way to make clients."""

    resources: dict[str, str]
    environment: dict[str, str]
    client: Callable[[str], Any]
    operator: str


def _local_target(api_url: str) -> Target:
    url = f"{api_url.rstrip('/')}/_local/resources"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the local stack's own URL
            document: dict[str, Any] = json.load(response)
    except (urllib.error.URLError, OSError) as error:
        raise AdminError(f"no cfp local at {api_url} ({error}); start one with ./dev local") from error

    def client(service: str) -> Any:
        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=document["endpoint"],
            region_name=document["region"],
            aws_access_key_id=document["access_key_id"],
            aws_secret_access_key=document["secret_access_key"],
        )

    environment = document.get("environments", {}).get("ApiFunction", {})
    return Target(document["resources"], environment, client, f"operator {getpass.getuser()} (local)")


def _stack_target(stack: str, region: str | None) -> Target:
    def client(service: str) -> Any:
        return boto3.client(service, region_name=region)  # type: ignore[call-overload]

    try:
        listed = client("cloudformation").describe_stack_resources(StackName=stack)["StackResources"]
        resources = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in listed}
        if "ApiFunction" not in resources:
            raise AdminError(f"stack {stack} has no ApiFunction: is it a cfp stack?")
        configuration = client("lambda").get_function_configuration(FunctionName=resources["ApiFunction"])
        caller = client("sts").get_caller_identity()["Arn"]
    except NoCredentialsError as error:
        raise AdminError("no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID and its secret") from error
    except NoRegionError as error:
        raise AdminError("no AWS region: pass --region or set AWS_REGION") from error
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", str(error))
        raise AdminError(f"stack {stack}: {message}") from error
    except BotoCoreError as error:
        raise AdminError(f"stack {stack}: {error}") from error
    return Target(resources, configuration.get("Environment", {}).get("Variables", {}), client, caller)


def adapters_of(target: Target) -> Adapters:
    """The target stack's adapters, with its API function's settings and the operator's clock, so the
    services ``cfp.bootstrap`` builds from them are the API's own (verdicts judged under the rules in
    force, the same queues)."""
    variables = {k.lower(): v for k, v in target.environment.items()}
    if not variables:
        raise AdminError("the stack's API function has no environment to read the call's settings from")
    settings = Settings.model_validate(variables)
    return Adapters(settings=settings, clients=target.client, clock=SystemClock())


# ---- commands -----------------------------------------------------------------------------------------


def _viewer(console: Console, args: argparse.Namespace) -> str | None:
    """The organizer whose view ``--as`` asks for (reviews as they may see them), or None: the operator's
    view, with the decisions and without any reviewing."""
    wanted = getattr(args, "viewer", None)
    if wanted is None:
        return None
    for organizer in console.settings.organizer_emails:
        if organizer.lower() == wanted.strip().lower():
            return organizer
    raise AdminError(f"{wanted} is not one of the call's organizers (OrganizerEmails)")


def _blank(value: object) -> str:
    return "" if value is None else str(value)


def _list(console: Console, args: argparse.Namespace, out: IO[str]) -> int:
    viewer = _viewer(console, args)
    listed = console.listing(viewer)
    index = {name: i for i, name in enumerate(listed.columns)}
    reviews = f" {'revs':>4} {'mean':>5} {'mine':>4}" if viewer else ""
    out.write(
        f"{'id':<12} {'status':<16} {'verdict':<7} {'body':>4} {'late':>4} {'decision':<9}{reviews} title\n"
    )
    for row in listed.rows:
        cell = {name: row[i] for name, i in index.items()}
        decision = (
            "conflict"
            if cell["conflicted"]
            else str(cell["decision"] or "") + ("*" if cell["decision"] and not cell["decision_sent"] else "")
        )
        verdict = str(cell["verdict"] or "") + ("~" if cell["older_checker"] else "")
        count, mean, mine = (_blank(cell[k]) for k in ("review_count", "score_mean", "my_score"))
        scores = f" {count:>4} {mean:>5} {mine:>4}" if viewer else ""
        out.write(
            f"{cell['id']!s:<12} {cell['status']!s:<16} {verdict:<7} "
            f"{'' if cell['body_pages'] is None else cell['body_pages']!s:>4} {cell['late'] or '':>4} "
            f"{decision:<9}{scores} {cell['title']}\n"
        )
    out.write(
        f"{len(listed.rows)} submissions; * decided, not released yet; ~ measured by an older checker\n"
    )
    return 0


def _program(console: Console, args: argparse.Namespace, out: IO[str]) -> int:
    """The public program: what publishing now would list, or publish it (as ``args.operator``)."""
    desk = build_program_desk(args.adapters)
    if args.action == "preview":
        program = desk.preview()
        for poster in program.posters:
            when = poster.session.start.isoformat() if poster.session else ""
            out.write(f"{poster.board:<6} {poster.id:<12} {when:<26} {poster.title}\n")
        out.write(f"{len(program.posters)} posters would be listed; nothing is public until publish\n")
        return 0
    published = desk.publish(args.operator)
    n = published.posters
    out.write(f"published {published.id} at {published.published_at.isoformat()}: {n} poster")
    out.write(f"{'' if n == 1 else 's'}\n")
    for change in published.changelog:
        fields = f" ({', '.join(change.fields)})" if change.fields else ""
        out.write(f"  {change.kind:<9} {change.board:<6} {change.title}{fields}\n")
    return 0


def _unreviewed(console: Console, args: argparse.Namespace, out: IO[str]) -> int:
    """What each organizer (or the one named) may still review and has not: live, not conflicted, its
    decision not released. Ids and titles only, nothing of anyone's reviews."""
    organizers = [_viewer(console, args)] if args.viewer else list(console.settings.organizer_emails)
    for organizer in organizers:
        listed = console.listing(organizer)
        index = {name: i for i, name in enumerate(listed.columns)}
        left = [
            row
            for row in listed.rows
            if row[index["status"]] != "withdrawn"
            and not row[index["conflicted"]]
            and not row[index["decision_sent"]]
            and row[index["my_score"]] is None
        ]
        out.write(f"{organizer}: {len(left)} to review\n")
        for row in left:
            out.write(f"  {row[index['id']]!s:<12} {row[index['title']]}\n")
    return 0


def _print_reviews(detail: SubmissionDetail, out: IO[str]) -> None:
    standing = detail.standing
    if standing is None:
        return
    if standing.conflicted:
        out.write("  reviews    hidden: a declared conflict\n")
        return
    count = standing.review_count or 0
    shown = (
        f"; mean {standing.score_mean}, {standing.score_min}-{standing.score_max}" if detail.reviews else ""
    )
    out.write(
        f"  reviews    {count}{shown}{'; a conflict is suggested' if standing.conflict_suggested else ''}\n"
    )
    for review in detail.reviews:
        out.write(f"    {review.organizer}: merit {review.score}, confidence {review.confidence}\n")
        for label, text in (("for authors", review.for_authors), ("for organizers", review.for_organizers)):
            if text:
                out.write(f"      {label}: {text}\n")
    for comment in detail.comments:
        out.write(f"    {comment.at.isoformat()} {comment.organizer}: {comment.text}\n")


def _print_detail(detail: SubmissionDetail, out: IO[str]) -> None:
    out.write(f"{detail.id}  {detail.title}\n")
    out.write(f"  status     {detail.status.value}\n")
    out.write(f"  authors    {'; '.join(a.name for a in detail.authors)}\n")
    out.write(f"  contact    {detail.contact_email}\n")
    out.write(f"  deadline   {describe(detail.deadline)}\n")
    if detail.decision:
        sent = "mailed" if detail.decision_sent else "not released"
        out.write(f"  decision   {detail.decision.value} by {detail.decided_by} ({sent})\n")
    _print_reviews(detail, out)
    for v in detail.versions:
        if v.uploaded_at is None:
            continue
        outcome = v.verdict.outcome if v.verdict else (v.attention or "pending")
        flags = " ".join(f for f, on in (("late", v.late), ("on record", v.current)) if on)
        codes = ", ".join(p.code for p in v.verdict.problems) if v.verdict else ""
        if v.older_checker:
            codes = f"{codes} (measured by an older checker; checking again)".lstrip()
        out.write(f"  v{v.version:<3} {v.uploaded_at.isoformat()}  {outcome:<7} {flags:<14} {codes}\n")
    for h in detail.history:
        out.write(f"  {h.at.isoformat()}  {h.by} {h.action} {h.detail}\n")


def _show(console: Console, args: argparse.Namespace, out: IO[str]) -> int:
    _print_detail(console.show(args.id, _viewer(console, args)), out)
    return 0


def _stats(console: Console, args: argparse.Namespace, out: IO[str]) -> int:
    stats = console.stats()
    out.write(f"{stats.total} submissions; {stats.time_left}; deadline {stats.deadline_text}\n")
    for status, count in sorted(stats.by_status.items()):
        out.write(f"  {status:<16} {count}\n")
    d = stats.decisions
    out.write(f"decisions: {d['accepted']} accepted, {d['rejected']} rejected, {d['undecided']} undecided, ")
    out.write(f"{d['unsent']} not released\n")
    out.write(f"late uploads on {stats.late} submissions; {stats.extensions} extensions\n")
    for name, count in build_operations(args.adapters).dead_letters().items():
        out.write(f"dead letters in {name}: {count}\n")
    return 0


def _export(console: Console, args: argparse.Namespace, out: IO[str]) -> int:
    viewer = _viewer(console, args)
    data = console.export_csv(viewer) if args.format == "csv" else console.export_json(viewer)
    if args.out:
        Path(args.out).write_bytes(data)
        out.write(f"wrote {args.out}\n")
    else:
        out.flush()
        sys.stdout.buffer.write(data)
    return 0


def _progress(done: int, total: int, name: str) -> None:
    width = 30
    filled = width * done // total if total else width
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name[:40]:<40}")
    sys.stderr.flush()


def _download(console: Console, bucket: UploadBucket, args: argparse.Namespace, out: IO[str]) -> int:
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    files = console.pdf_files(include_late=args.late, contents=args.contents)
    limit = max(console.settings.max_upload_bytes, console.settings.max_poster_bytes)
    for done, item in enumerate(files, start=1):
        (folder / item.name).write_bytes(bucket.read(item.key, item.version_id, limit))
        _progress(done, len(files), item.name)
    sys.stderr.write("\n")
    out.write(f"{len(files)} PDFs in {folder}\n")
    return 0


def _extend(console: Console, args: argparse.Namespace, out: IO[str]) -> int:
    until = parse_deadline(args.until)
    granted = build_console_changes(args.adapters).extend(
        ExtensionRequest(ids=args.ids, until=until), args.by or args.operator
    )
    for submission_id in granted:
        out.write(f"{submission_id}: open until {describe(until)}, granted by {args.by or args.operator}\n")
    return 0


def _decide(console: Console, args: argparse.Namespace, out: IO[str]) -> int:
    decision = Decision.ACCEPTED if args.accept else Decision.REJECTED
    request = DecisionRequest(ids=args.ids, decision=decision, note=args.note)
    decided = args.releases.decide(request, args.operator)
    if decided.job is not None:
        # Many at once are applied by the stack's releaser; wait for it, showing how far it has come.
        job = args.releases.decision_job(decided.job)
        while job.state != "done":
            _progress(job.done, job.total, f"decision {decided.job}")
            time.sleep(1)
            job = args.releases.decision_job(decided.job)
        _progress(job.total, job.total, f"decision {decided.job}")
        sys.stderr.write("\n")
    out.write(f"{len(decided.decided)} marked {decision.value}; send-decisions mails the authors\n")
    return 0


def _release_report(view: ReleaseView, out: IO[str]) -> None:
    out.write(
        f"release {view.id}: {view.state}, {view.done} of {view.total} gone through, {len(view.sent)} sent\n"
    )
    if view.message:
        out.write(f"  {view.message}\n")
    if view.changes:
        for label, ids in (
            ("decided since the preview, not in this release", view.changes.decided_since),
            ("changed or withdrawn since the preview, left out", view.changes.changed_since),
            ("sent by another release since the preview", view.changes.sent_since),
        ):
            if ids:
                out.write(f"  {len(ids)} {label}: {' '.join(ids)}\n")


def _send_decisions(console: Console, args: argparse.Namespace, out: IO[str]) -> int:
    """Preview (and record) a release, or send one previewed before: exactly what its preview showed."""
    releases: Releases = args.releases
    release_id = args.release
    if release_id is None:
        preview = releases.preview(args.operator)
        release_id = preview.release_id
        out.write(
            f"release {release_id}: {preview.pending} decision mails ({preview.corrections} corrections, "
            f"{preview.undecided} undecided)\n"
        )
        if args.dry_run:
            for mail in preview.mails:
                out.write(f"\n--- {mail.count} x {mail.decision.value}, e.g. {mail.example_id}\n")
                out.write(f"Subject: {mail.subject}\n\n{mail.text}")
            out.write(f"\nsend them with: cfp admin send-decisions --release {release_id}\n")
            return 0
    view = releases.start(release_id, args.operator)
    changes = view.changes
    # The stack's releaser sends it; wait for it, showing how far it has come, while it moves.
    moved = time.monotonic()
    while view.state != "done":
        _progress(view.done, view.total, f"release {release_id}")
        time.sleep(1)
        before, view = view, releases.view(release_id)
        if (view.done, view.state) != (before.done, before.state):
            moved = time.monotonic()
        elif time.monotonic() - moved > STALLED_SECONDS:
            sys.stderr.write("\n")
            out.write(f"release {release_id} has not moved for {STALLED_SECONDS} s: see release-status\n")
            _release_report(view, out)
            return 1
    if view.total:
        _progress(view.total, view.total, f"release {release_id}")
        sys.stderr.write("\n")
    _release_report(view.model_copy(update={"changes": changes}), out)
    return 0


def _release_status(console: Console, args: argparse.Namespace, out: IO[str]) -> int:
    _release_report(args.releases.view(args.release), out)
    return 0


def _resend(console: Console, args: argparse.Namespace, out: IO[str]) -> int:
    event_id = build_console_changes(args.adapters).resend(args.id, args.what, args.operator)
    out.write(f"queued {args.what} for {args.id} ({event_id})\n")
    return 0


def _redrive(console: Console, args: argparse.Namespace, out: IO[str]) -> int:
    """What the console's "show" lists, then (unless --dry-run) its "move back"."""
    listing = build_operations(args.adapters).dead_letter_messages(args.queue)
    out.write(f"{listing.count} messages in the {args.queue} dead-letter queue\n")
    for letter in listing.shown:
        sent = letter.sent_at.isoformat() if letter.sent_at else "?"
        out.write(f"  {letter.message_id}  sent {sent}  {letter.about}\n")
    if args.dry_run or not listing.count:
        return 0
    moved = build_operations(args.adapters).redrive(args.queue, args.operator)
    out.write(f"moved {moved} back to the {args.queue} queue\n")
    return 0


def _reconcile(console: Console, args: argparse.Namespace, out: IO[str]) -> int:
    report = build_operations(args.adapters).reconcile(requeue=not args.dry_run)
    for key in report.unrecorded:
        out.write(f"in the bucket, not on record: {key}\n")
    for key in report.unjudged:
        out.write(f"on record without a verdict: {key}\n")
    for key in report.measured_by_older:
        out.write(f"measured by an older checker: {key}\n")
    for name in report.missing_files:
        out.write(f"on record, missing from the bucket: {name}\n")
    checks = len(report.unrecorded) + len(report.unjudged) + len(report.measured_by_older)
    off = checks + len(report.missing_files)
    if args.dry_run:
        out.write(f"{off} things off; would re-queue {checks} checks\n")
    else:
        out.write(f"{off} things off; re-queued {report.requeued} checks\n")
    return 1 if report.missing_files else 0


def _parser() -> argparse.ArgumentParser:
    target = argparse.ArgumentParser(add_help=False)
    where = target.add_mutually_exclusive_group()
    where.add_argument("--stack", help="name of a deployed stack (your AWS credentials)")
    where.add_argument(
        "--local",
        nargs="?",
        const=DEFAULT_API_URL,
        metavar="API_URL",
        help=f"a running cfp local (default {DEFAULT_API_URL})",
    )
    target.add_argument("--api-url", help="the cfp local's API, with --local")
    target.add_argument("--region", help="AWS region of the deployed stack")

    parser = argparse.ArgumentParser(prog="cfp admin", description=__doc__, parents=[target])
    commands = parser.add_subparsers(dest="command", required=True)
    seen_as = argparse.ArgumentParser(add_help=False)
    seen_as.add_argument(
        "--as",
        dest="viewer",
        metavar="ORGANIZER",
        help="as this organizer sees it: reviews they may see, nothing of what they are conflicted with",
    )
    commands.add_parser("list", parents=[target, seen_as], help="every submission, one line each")
    show = commands.add_parser("show", parents=[target, seen_as], help="one submission with every version")
    show.add_argument("id")
    unreviewed = commands.add_parser(
        "unreviewed", parents=[target], help="what each organizer has still to review"
    )
    unreviewed.add_argument("--organizer", dest="viewer", metavar="ORGANIZER", help="only this organizer")
    program = commands.add_parser("program", parents=[target], help="preview or publish the public program")
    program.add_argument("action", choices=["preview", "publish"])
    commands.add_parser("stats", parents=[target], help="counts by status and decision, time left")
    export = commands.add_parser(
        "export", parents=[target, seen_as], help="everything on record, CSV or JSON"
    )
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("--out", help="file to write (default stdout)")
    download = commands.add_parser("download", parents=[target], help="every on-time PDF into DIR")
    download.add_argument("dir")
    download.add_argument("--late", action="store_true", help="late uploads too")
    download.add_argument(
        "--contents",
        choices=["first", "finals", "posters"],
        default="first",
        help="first versions (default), or the accepted posters' final abstracts or posters",
    )
    extend = commands.add_parser("extend", parents=[target], help="give submissions more time")
    extend.add_argument("ids", nargs="+", metavar="ID")
    extend.add_argument("--until", required=True, help="their new deadline (ISO 8601 or ... AoE)")
    extend.add_argument("--by", help="who grants it (default: you)")
    decide = commands.add_parser("decide", parents=[target], help="accept or reject submissions")
    decide.add_argument("ids", nargs="+", metavar="ID")
    verdict = decide.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--accept", action="store_true")
    verdict.add_argument("--reject", action="store_true")
    decide.add_argument("--note", default="", help="a note to the authors")
    send = commands.add_parser("send-decisions", parents=[target], help="mail every decision not sent yet")
    send.add_argument("--dry-run", action="store_true", help="preview and record the release, send nothing")
    send.add_argument("--release", metavar="ID", help="send the release previewed under this id")
    status = commands.add_parser("release-status", parents=[target], help="how far a release has come")
    status.add_argument("release", metavar="ID")
    resend = commands.add_parser("resend", parents=[target], help="mail a receipt or verdict again")
    resend.add_argument("id")
    resend.add_argument("what", choices=["receipt", "verdict"])
    redrive = commands.add_parser("redrive", parents=[target], help="move dead letters back to their queue")
    redrive.add_argument("queue", choices=["validation", "notification", "archive", "release"])
    redrive.add_argument("--dry-run", action="store_true", help="only show how many wait")
    reconcile = commands.add_parser("reconcile", parents=[target], help="compare the bucket and the records")
    reconcile.add_argument("--dry-run", action="store_true", help="re-queue nothing")
    admin_finals.add_commands(commands, target)
    return parser


_COMMANDS: dict[str, Callable[[Console, argparse.Namespace, IO[str]], int]] = {
    "list": _list,
    "unreviewed": _unreviewed,
    "program": _program,
    "show": _show,
    "stats": _stats,
    "export": _export,
    "extend": _extend,
    "decide": _decide,
    "send-decisions": _send_decisions,
    "release-status": _release_status,
    "resend": _resend,
    "redrive": _redrive,
    "reconcile": _reconcile,
    "finals": admin_finals.finals,
    "mail-missing": admin_finals.mail_missing,
    "extend-finals": admin_finals.extend_finals,
}


def main(argv: Sequence[str] | None = None, out: IO[str] = sys.stdout) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.stack and args.local is None and not args.api_url:
        parser.error("say which stack: --stack NAME or --local [--api-url URL]")
    try:
        if args.command in {"extend", "extend-finals"}:
            parse_deadline(args.until)
    except ValueError as error:
        parser.error(str(error))
    try:
        if args.stack:
            target = _stack_target(args.stack, args.region or os.environ.get("AWS_REGION"))
        else:
            target = _local_target(args.api_url or args.local or DEFAULT_API_URL)
        args.operator = target.operator
        args.adapters = adapters_of(target)
        console = build_console(args.adapters)
        args.releases = build_releases(args.adapters)
        if args.command == "download":
            return _download(console, args.adapters.bucket, args, out)
        return _COMMANDS[args.command](console, args, out)
    except SubmissionNotFound as error:
        print(f"cfp admin: no submission {error}; nothing was changed", file=sys.stderr)
    except (
        SubmissionWithdrawn,
        UploadNotFound,
        QueueUnavailable,
        QueueNotFound,
        ReleaseNotFound,
        ReleaseStarted,
        InstantOutOfRange,
        AdminError,
    ) as error:
        print(f"cfp admin: {error}", file=sys.stderr)
    except NoCredentialsError:
        print("cfp admin: no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID", file=sys.stderr)
    except (ClientError, BotoCoreError) as error:
        print(f"cfp admin: AWS refused: {error}", file=sys.stderr)
    return 1
