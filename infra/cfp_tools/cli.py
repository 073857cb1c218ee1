"""The cfp command: run the stack locally, seed it with a demo call, fire its schedules, run the
organizers' and operators' operations (``cfp admin``), make a sample PDF, time the format checker, the
functions' cold starts and the whole stack, estimate the bill, and score the tests by mutation."""

from __future__ import annotations

import argparse
import importlib
import json
import signal
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import quote, urlencode

from cfp_tools.template import TemplateError, default_template_path

DEFAULT_API_URL = "http://127.0.0.1:3000"
# cfp local --demo closes its call this soon after start, so the demo can show a late upload.
DEMO_DEADLINE = timedelta(minutes=2)


def parse_pairs(pairs: Sequence[str]) -> dict[str, str]:
    """``Name=Value`` pairs from the command line."""
    result: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise argparse.ArgumentTypeError(f"expected Name=Value, got {pair!r}")
        result[name] = value
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cfp", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    local = commands.add_parser("local", help="run the whole stack on 127.0.0.1 against moto")
    local.add_argument("--port", type=int, default=3000, help="port of the HTTP API (default 3000)")
    local.add_argument(
        "--outbox", type=Path, default=Path("outbox"), help="folder for sent mail (default outbox/)"
    )
    local.add_argument(
        "--deadline", help="override the Deadline parameter (ISO 8601 with offset, or ... AoE)"
    )
    local.add_argument(
        "--param", action="append", default=[], metavar="Name=Value", help="override a template parameter"
    )
    local.add_argument("--template", type=Path, default=None, help="SAM template (default: the project's)")
    local.add_argument(
        "--api-concurrency",
        type=int,
        default=4,
        help="warm instances the API may scale out to, as Lambda does per request in flight (default 4)",
    )
    local.add_argument(
        "--queue-concurrency",
        type=int,
        default=2,
        help="most batches one queue event source with a MaximumConcurrency runs at once here (default 2)",
    )
    local.add_argument(
        "--demo",
        action="store_true",
        help="seed a demo call once the stack runs (cfp demo), with a deadline minutes away unless given",
    )

    fire = commands.add_parser("fire-schedule", help="invoke a scheduled function of a running local stack")
    fire.add_argument("--at", help="the instant the schedule fires for (ISO 8601; default now)")
    fire.add_argument(
        "--api-url", default=DEFAULT_API_URL, help=f"the local stack's API (default {DEFAULT_API_URL})"
    )
    fire.add_argument("--function", default="DeadlineFunction", help="logical id of the scheduled function")

    clock = commands.add_parser(
        "clock", help="show a running local stack's clock, or move it forward (a deadline passes at once)"
    )
    clock.add_argument("--to", help="the instant to move the clock to (ISO 8601; only forward)")
    clock.add_argument(
        "--api-url", default=DEFAULT_API_URL, help=f"the local stack's API (default {DEFAULT_API_URL})"
    )

    sample = commands.add_parser("sample-pdf", help="write a sample abstract PDF to stdout")
    sample.add_argument("--body-pages", type=int, default=2, help="pages before the references (default 2)")
    sample.add_argument("--reference-pages", type=int, default=1, help="pages of references (default 1)")
    sample.add_argument("--scanned", action="store_true", help="pictures of pages, no text (like a scan)")

    # Listed for --help only: each parses its own arguments (``_DELEGATED``).
    for name, text in _DELEGATED_HELP.items():
        commands.add_parser(name, help=text, add_help=False)
    return parser


def _local(args: argparse.Namespace) -> int:
    from cfp_tools.local.stack import LocalOptions, run

    overrides = parse_pairs(args.param)
    if args.deadline:
        overrides["Deadline"] = args.deadline
    elif args.demo:
        soon = datetime.now(UTC).replace(microsecond=0) + DEMO_DEADLINE
        overrides["Deadline"] = soon.isoformat().replace("+00:00", "Z")
    options = LocalOptions(
        template=args.template or default_template_path(),
        port=args.port,
        outbox=args.outbox,
        overrides=overrides,
        api_concurrency=args.api_concurrency,
        queue_concurrency=args.queue_concurrency,
    )
    requested: list[int] = []

    def request_stop(signum: int, frame: FrameType | None) -> None:
        requested.append(signum)

    previous = {number: signal.signal(number, request_stop) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        run(options, sys.stdout, lambda: bool(requested), _start_demo if args.demo else None)
    except (TemplateError, OSError) as exc:
        print(f"cfp local: {exc}", file=sys.stderr)
        return 1
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    return 0


def _start_demo(api_url: str) -> None:
    from cfp_tools import demo

    late_within = DEMO_DEADLINE.total_seconds() + 60
    threading.Thread(
        target=demo.run, args=(api_url, sys.stdout, late_within), name="demo", daemon=True
    ).start()


def _control(
    args: argparse.Namespace, method: str, path: str, query: dict[str, str]
) -> dict[str, Any] | None:
    """A local stack's answer on one of its ``/_local/`` endpoints; ``None`` after saying what failed."""
    suffix = f"?{urlencode(query)}" if query else ""
    url = f"{args.api_url.rstrip('/')}/_local/{path}{suffix}"
    request = urllib.request.Request(url, method=method)  # noqa: S310 - the URL is the local stack's
    try:
        with urllib.request.urlopen(request, timeout=900) as response:  # noqa: S310
            document: dict[str, Any] = json.load(response)
            return document
    except urllib.error.HTTPError as exc:
        print(exc.read().decode(errors="replace"), file=sys.stderr)
    except urllib.error.URLError as exc:
        print(f"cfp {args.command}: no local stack at {args.api_url} ({exc.reason})", file=sys.stderr)
    return None


def _fire_schedule(args: argparse.Namespace) -> int:
    query = {"at": args.at} if args.at else {}
    document = _control(args, "POST", f"schedules/{quote(args.function)}", query)
    if document is None:
        return 1
    print(json.dumps(document.get("result"), indent=2))
    return 0


def _clock(args: argparse.Namespace) -> int:
    document = (
        _control(args, "POST", "clock", {"to": args.to}) if args.to else _control(args, "GET", "clock", {})
    )
    if document is None:
        return 1
    print(f"{document['now']} (the machine's clock {document['offset_seconds']:+.0f} s)")
    return 0


# What `cfp --help` says of the subcommands that parse their own arguments, in its order.
_DELEGATED_HELP = {
    "bench": "time the PDF format checker (cfp bench --help for its options)",
    "admin": "list, show, export, download, decide, extend, redrive, reconcile (cfp admin --help)",
    "bench-digest": "time one organizer digest of N changes (cfp bench-digest --help)",
    "bench-posters": "time the poster check on every real poster shape (cfp bench-posters --help)",
    "bench-e2e": "create, upload and judge N submissions through cfp local (cfp bench-e2e --help)",
    "bench-decisions": "decide and release N decisions through cfp local (cfp bench-decisions --help)",
    "cost": "the AWS bill for N submissions from the template (cfp cost --help)",
    "extend": "the same as cfp admin extend",
    "demo": "seed a running cfp local with a realistic call (cfp demo --help)",
    "coldstart": "time each function's import in fresh interpreters (cfp coldstart --help)",
    "buildcheck": "sam build, then import and invoke each handler from the artifact (cfp buildcheck --help)",
    "mutate": "plant small bugs in the core rules and count those the fast tests catch (cfp mutate --help)",
    "bounce": "report a bounce or complaint for an address to a running cfp local (cfp bounce --help)",
}

# Subcommands with parsers of their own: every argument after the name goes to their main(argv).
_DELEGATED = {
    "bench": "cfp_tools.bench",
    "bench-digest": "cfp_tools.bench_digest",
    "bench-posters": "cfp_tools.bench_posters",
    "bench-e2e": "cfp_tools.bench_e2e",
    "bench-decisions": "cfp_tools.bench_decisions",
    "coldstart": "cfp_tools.coldstart",
    "buildcheck": "cfp_tools.buildcheck",
    "cost": "cfp_tools.cost",
    "demo": "cfp_tools.demo",
    "admin": "cfp_tools.admin",
    "mutate": "cfp_tools.mutate",
    "bounce": "cfp_tools.bounce",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cfp`` console script."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["extend"]:
        arguments = ["admin", *arguments]
    if arguments[:1] and arguments[0] in _DELEGATED:
        command = importlib.import_module(_DELEGATED[arguments[0]])
        return int(command.main(arguments[1:]) or 0)
    args = _parser().parse_args(arguments)
    if args.command == "local":
        return _local(args)
    if args.command == "sample-pdf":
        from cfp_tools.pdfs import make_abstract

        sys.stdout.buffer.write(make_abstract(args.body_pages, args.reference_pages, scanned=args.scanned))
        return 0
    if args.command == "clock":
        return _clock(args)
    return _fire_schedule(args)


if __name__ == "__main__":
    sys.exit(main())
