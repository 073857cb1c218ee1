"""``cfp admin finals`` and ``cfp admin mail-missing``: the final phase's checklist, and the mail to every
author still missing something (previewed first; ``--send ID`` sends exactly that preview, once)."""

from __future__ import annotations

import argparse
from typing import IO

from cfp.bootstrap import build_final_desk
from cfp.console import Console
from cfp.deadline import describe, parse_deadline
from cfp.final_desk import FinalDesk, FinalExtensionRequest, MissingMailRequest


def _desk(console: Console, args: argparse.Namespace) -> FinalDesk:
    return build_final_desk(args.adapters)


def finals(console: Console, args: argparse.Namespace, out: IO[str]) -> int:
    """Every poster in the final phase: its final abstract, poster, presenter, consent, what it misses."""
    checklist = _desk(console, args).checklist()
    shown = [
        r
        for r in checklist.rows
        if args.missing is None or args.missing in r.missing or (args.missing == "anything" and r.missing)
    ]
    for row in shown:
        missing = ", ".join(row.missing) or "complete"
        out.write(
            f"{row.id:<12} {row.abstract:<9} {row.poster:<9} {row.consent:<20} {missing:<36} {row.title}\n"
        )
    complete = checklist.missing["complete"]
    out.write(
        f"{len(checklist.rows)} posters in the final phase, {complete} complete; "
        f"final versions due by {checklist.deadline_text}\n"
    )
    return 0


def mail_missing(console: Console, args: argparse.Namespace, out: IO[str]) -> int:
    """Preview the mail to every author missing ``args.what``; with ``--send ID``, send that preview."""
    answer = _desk(console, args).mail_missing(
        MissingMailRequest(missing=args.what, send=args.send), args.operator
    )
    for row in answer.recipients:
        out.write(f"{row.id:<12} missing {', '.join(row.missing):<36} {row.title}\n")
    n = len(answer.recipients)
    if args.send is None:
        out.write(
            f"{n} author{'' if n == 1 else 's'} would be mailed; send with: "
            f"cfp admin mail-missing {args.what} --send {answer.send_id}\n"
        )
    else:
        out.write(f"{answer.sent} mail{'' if answer.sent == 1 else 's'} queued (each author once per send)\n")
    return 0


def extend_finals(console: Console, args: argparse.Namespace, out: IO[str]) -> int:
    """More time for these posters' final versions."""
    until = parse_deadline(args.until)
    granted = _desk(console, args).extend(FinalExtensionRequest(ids=args.ids, until=until), args.operator)
    for submission_id in granted:
        out.write(f"{submission_id}: final versions open until {describe(until)}\n")
    return 0


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], target: argparse.ArgumentParser
) -> None:
    wanted = ["abstract", "poster", "presenter", "consent", "anything"]
    listed = commands.add_parser("finals", parents=[target], help="the final phase's checklist")
    listed.add_argument("--missing", choices=wanted, help="only the posters missing this")
    mail = commands.add_parser("mail-missing", parents=[target], help="mail every author missing X")
    mail.add_argument("what", choices=wanted)
    mail.add_argument("--send", metavar="ID", help="send the mails the preview with this id showed")
    extend = commands.add_parser("extend-finals", parents=[target], help="more time for final versions")
    extend.add_argument("ids", nargs="+", metavar="ID")
    extend.add_argument("--until", required=True, help="their new final deadline (ISO 8601 or ... AoE)")
