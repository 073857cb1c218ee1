"""The whole stack on one machine: moto for AWS, warm function workers, the HTTP API, pollers, the outbox.

Every resource is created from ``template.yaml`` in dependency order (``resources``), each function's
workers started in its turn, so the handlers receive the same environment they get on AWS apart from
the endpoints; then the pollers, the outbox and the HTTP API run until the stack is closed.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from cfp.deadline import parse_deadline
from cfp_tools.local.clock import StackClock
from cfp_tools.local.functions import (
    FAKE_CREDENTIALS,
    Endpoints,
    FunctionPool,
    FunctionWorker,
    InvocationError,
)
from cfp_tools.local.http_api import HttpApiServer, Route
from cfp_tools.local.moto_server import keep_alive
from cfp_tools.local.outbox import Outbox
from cfp_tools.local.pollers import SqsPoller
from cfp_tools.local.resources import Resources, physical_name
from cfp_tools.local.s3_front import S3Front
from cfp_tools.local.usage import Meter, aws_operation, metered, openapi_routes
from cfp_tools.template import (
    ACCOUNT_ID,
    REGION,
    STACK_NAME,
    SqsEvent,
    Template,
    TemplateError,
    arn,
)

# How long a local stack keeps the call open when the template's default deadline has already passed.
REOPEN_FOR = timedelta(days=30)
# How long moving the clock waits for the work in flight to finish first unless told (``wait``); and the
# longest wait either endpoint accepts.
SETTLE_BEFORE_MOVING_SECONDS = 60.0
LONGEST_SETTLE_WAIT_SECONDS = 600.0


@dataclass
class LocalOptions:
    """What ``cfp local`` was asked for."""

    template: Path
    port: int = 3000
    outbox: Path = Path("outbox")
    overrides: dict[str, str] = field(default_factory=dict)
    api_concurrency: int = 4
    queue_concurrency: int = 2


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant; one without an offset is taken as UTC."""
    parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _wait_seconds(query: dict[str, str], default: float) -> float:
    """The ``wait`` a control request asks for, within what the stack accepts (``ValueError`` if not a
    number)."""
    try:
        wait = float(query.get("wait", default))
    except ValueError:
        raise ValueError(f"wait={query['wait']!r} is not a number of seconds") from None
    return max(0.0, min(wait, LONGEST_SETTLE_WAIT_SECONDS))


def scheduled_event(at: datetime, schedule_arn: str, override: bool) -> dict[str, Any]:
    """A scheduler-style event for ``at``; an override travels as ``at`` and as ``detail.at``.

    The deadline handler reads a top-level ``at`` (what a schedule's ``Input`` would carry); ``detail.at``
    keeps the scheduled-event shape for handlers that read the detail.
    """
    instant = {"at": at.isoformat()} if override else {}
    return {
        **instant,
        "version": "0",
        "id": str(uuid.uuid4()),
        "source": "cfp.local",
        "account": ACCOUNT_ID,
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [schedule_arn],
        "detail-type": "Scheduled Event",
        "detail": instant,
    }


class LocalStack:
    """Creates the template's resources in moto and runs the functions against them."""

    def __init__(self, options: LocalOptions, out: IO[str] = sys.stdout) -> None:
        self.options = options
        self.out = out
        self.stop_event = threading.Event()
        self.clock = StackClock()
        self.meter = Meter(openapi_routes(options.template.parent / "openapi.json"))
        self.template = Template(options.template, options.overrides)
        self._reopened_from = self._open_a_past_deadline(options)
        self._final_moved_from = self._keep_the_final_deadline_after(options)
        self._link_mails_here(options)
        self.workers: dict[str, FunctionPool] = {}
        self.pollers: list[SqsPoller] = []
        self._log_lock = threading.Lock()
        self._moto: Any = None
        # The control endpoints' own SQS client, made once: settling reads the queues every 50 ms.
        self._sqs: Any = None
        self.resources: Resources | None = None
        self.s3_front: S3Front | None = None
        self.api: HttpApiServer | None = None
        self.outbox: Outbox | None = None

    def _keep_the_final_deadline_after(self, options: LocalOptions) -> str | None:
        """The final deadline must follow the call's. When the call's was moved (by ``--deadline`` or by
        reopening) and no FinalDeadline was asked for, the final one keeps the distance the template's
        defaults put between them."""
        parameters = self.template.resolver.parameters
        final, deadline = parameters.get("FinalDeadline"), parameters.get("Deadline")
        if not final or not deadline or "FinalDeadline" in options.overrides:
            return None
        if parse_deadline(final) > parse_deadline(deadline):
            return None
        defaults = {p.name: p.default for p in self.template.parameters.values()}
        gap = parse_deadline(final) - parse_deadline(str(defaults.get("Deadline") or deadline))
        moved = parse_deadline(deadline) + (gap if gap > timedelta(0) else timedelta(days=14))
        parameters["FinalDeadline"] = moved.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return final

    def _open_a_past_deadline(self, options: LocalOptions) -> str | None:
        """A template whose default Deadline has passed would refuse every submission, so unless a
        deadline was asked for, the local stack keeps the call open for ``REOPEN_FOR`` from now."""
        deadline = self.template.resolver.parameters.get("Deadline")
        if not deadline or "Deadline" in options.overrides or parse_deadline(deadline) >= datetime.now(UTC):
            return None
        reopened = (datetime.now(UTC) + REOPEN_FOR).replace(microsecond=0)
        self.template.resolver.parameters["Deadline"] = reopened.isoformat().replace("+00:00", "Z")
        return deadline

    def _link_mails_here(self, options: LocalOptions) -> None:
        """Manage links in mails open this stack's own authors' page, unless PublicUrl was given."""
        parameters = self.template.resolver.parameters
        if "PublicUrl" in parameters and "PublicUrl" not in options.overrides:
            parameters["PublicUrl"] = f"http://127.0.0.1:{options.port}/"

    def log(self, message: str) -> None:
        with self._log_lock:
            self.out.write(f"{datetime.now():%H:%M:%S} {message}\n")
            self.out.flush()

    def start(self) -> None:
        """Start moto, the S3 front, every resource, the pollers, the outbox and the HTTP API."""
        for name, value in FAKE_CREDENTIALS.items():
            if value:
                os.environ[name] = value
            else:
                os.environ.pop(name, None)
        os.environ.pop("AWS_PROFILE", None)
        os.environ["AWS_DEFAULT_REGION"] = REGION
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        from moto.server import ThreadedMotoServer

        from cfp_tools.local import moto_speedups

        moto_speedups.apply()
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        server = self._moto._server
        handler = keep_alive(server.RequestHandlerClass)
        server.RequestHandlerClass = metered(handler, self.meter, aws_operation)
        host, port = self._moto.get_host_and_port()
        self.moto_url = f"http://{host}:{port}"
        resources = self.resources = Resources(self.template, self.moto_url, self.options.port, self.log)
        self.s3_front = S3Front(
            0,
            (host, port),
            {FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"]: FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]},
            resources.bucket_cors,
            self.meter,
        )
        self.s3_front.start()
        self.endpoints = Endpoints(aws=self.moto_url, s3=self.s3_front.url)
        for logical_id in self.template.creation_order():
            if self.template.resources[logical_id].get("Type") == "AWS::Serverless::Function":
                self._start_function(logical_id, resources)
            else:
                resources.create(logical_id)
        resources.create_ses_identities()
        self.options.outbox.mkdir(parents=True, exist_ok=True)
        self.outbox = Outbox(self.options.outbox, self.stop_event, self.log, self.meter)
        self.outbox.thread.start()
        self._sqs = resources.client("sqs")
        self._start_pollers(resources)
        self._start_api()

    def _start_function(self, logical_id: str, resources: Resources) -> None:
        """Warm workers for a function, started when its turn comes in the template's order."""
        function = self.template.function(logical_id)
        name = physical_name(logical_id)
        # HTTP-fed functions serve concurrent requests, as Lambda runs one instance per request in flight;
        # queue-fed ones get one instance per poller.
        instances = self.options.api_concurrency if function.http_events else 1
        instances = max([instances, *(self._pollers_for(source) for source in function.sqs_events)])
        first = FunctionWorker(
            function, name, self.endpoints, self.log, lambda: self.clock.offset, self.meter
        )
        worker = FunctionPool(first, instances)
        worker.start()
        self.workers[logical_id] = worker
        resources.remember(logical_id, name, Arn=worker.arn)

    def _pollers_for(self, source: SqsEvent) -> int:
        """Batches of one event source run at once: Lambda runs several up to the source's
        MaximumConcurrency; without a cap the local stack runs one at a time, so a burst stays one batch
        as the notifier's digests expect, and with one at most ``queue_concurrency`` on this machine."""
        if source.maximum_concurrency is None:
            return 1
        return max(1, min(source.maximum_concurrency, self.options.queue_concurrency))

    def _start_pollers(self, resources: Resources) -> None:
        for logical_id, worker in self.workers.items():
            for source in worker.function.sqs_events:
                url = resources.queue_urls.get(source.queue_arn)
                if url is None:
                    raise TemplateError(
                        f"{logical_id}.{source.name}: queue {source.queue_arn} is not in the template"
                    )
                visibility = resources.queue_visibility[source.queue_arn]
                if visibility < worker.function.timeout:
                    raise TemplateError(
                        f"{logical_id}.{source.name}: Queue visibility timeout: {visibility} seconds is "
                        f"less than Function timeout: {worker.function.timeout} seconds"
                    )
                for _ in range(self._pollers_for(source)):
                    poller = SqsPoller(
                        resources.client("sqs"), url, source, worker, self.stop_event, self.log, self.meter
                    )
                    self.pollers.append(poller)
                    poller.thread.start()

    def _start_api(self) -> None:
        routes: list[Route] = []
        cors = None
        for worker in self.workers.values():
            for event in worker.function.http_events:
                routes.append(Route.build(event.route_key, worker))
                api = event.api or "ServerlessHttpApi"
                if api in self.template.resources:
                    cors = self.template.http_api_cors(api)
        routes.sort(key=lambda route: route.precedence)
        self.api = HttpApiServer(self.options.port, routes, cors, self.control, self.log, self.meter)
        self.api.start()

    def pending(self) -> dict[str, dict[str, int]]:
        """Messages still to be handled, by polled queue: visible, in flight (a batch being gathered or run)
        and delayed. Empty once every event the stack was given has been followed through."""
        assert self._sqs is not None
        while True:
            before = sum(poller.deliveries for poller in self.pollers)
            found: dict[str, dict[str, int]] = {}
            for url in dict.fromkeys(poller.queue_url for poller in self.pollers):
                attributes = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
                    "Attributes"
                ]
                counts = {
                    "visible": int(attributes["ApproximateNumberOfMessages"]),
                    "in_flight": int(attributes["ApproximateNumberOfMessagesNotVisible"]),
                    "delayed": int(attributes["ApproximateNumberOfMessagesDelayed"]),
                }
                if any(counts.values()):
                    found[url.rpartition("/")[2]] = counts
            # A batch finished while the queues were read may have sent messages to a queue already read, so
            # nothing found counts only when no batch finished meanwhile.
            if found or sum(poller.deliveries for poller in self.pollers) == before:
                return found

    def settle(self, timeout: float) -> dict[str, dict[str, int]]:
        """Wait up to ``timeout`` seconds for nothing to be pending; what still is, after the outbox has
        written every mail sent so far."""
        ends = time.monotonic() + timeout
        pending = self.pending()
        # Each look counts every message of every polled queue (as moto answers it), so a long wait looks
        # less often: from every 50 ms up to every 250 ms.
        pause = 0.05
        while pending and time.monotonic() < ends:
            time.sleep(pause)
            pause = min(pause * 1.5, 0.25)
            pending = self.pending()
        if self.outbox is not None:
            self.outbox.flush()
        return pending

    def _clock_document(self) -> dict[str, Any]:
        now = self.clock.now()
        return {"now": now.isoformat(), "offset_seconds": round(self.clock.offset, 3)}

    def _settled(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        try:
            pending = self.settle(_wait_seconds(query, 0.0))
        except ValueError as exc:
            return 400, {"message": str(exc)}
        return 200, {"settled": not pending, "pending": pending}

    def _move_clock(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """Move the stack's clock to ``to``, once the work in flight is done: a message in flight when
        hours pass at once would be redelivered as if its function had hung."""
        if "to" not in query:
            return 400, {"message": "say where to move the clock: ?to=ISO (an instant after the stack's now)"}
        try:
            instant = parse_instant(query["to"])
        except ValueError:
            return 400, {"message": f"to={query['to']!r} is not an ISO 8601 instant"}
        try:
            self.clock.check_forward(instant)
            pending = self.settle(_wait_seconds(query, SETTLE_BEFORE_MOVING_SECONDS))
        except ValueError as exc:
            return 400, {"message": str(exc)}
        if pending:
            return 409, {"message": "the stack is still busy; try again once it settles", "pending": pending}
        try:
            self.clock.move_to(instant)
        except ValueError as exc:
            return 400, {"message": str(exc)}
        self.log(f"clock moved to {instant.isoformat()}")
        return 200, self._clock_document()

    def control(self, method: str, path: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The local stack's own endpoints: ``/_local/health``; ``/_local/resources``, the AWS endpoint and
        every resource's physical name for operator tools such as ``cfp extend --local``;
        ``/_local/schedules/<FunctionLogicalId>?at=ISO``; ``/_local/settled?wait=SECONDS``, whether every
        event given to the stack has been followed through; ``/_local/clock`` (``POST ?to=ISO``
        moves it forward); and ``/_local/usage``, CPU seconds and calls by part of the stack so far."""
        kind, _, name = path.partition("/")
        if kind == "health":
            return 200, {"status": "ok"}
        if kind == "settled" and method == "GET":
            return self._settled(query)
        if kind == "clock" and method == "GET":
            return 200, self._clock_document()
        if kind == "usage" and method == "GET":
            return 200, self.meter.snapshot()
        if kind == "clock" and method == "POST":
            return self._move_clock(query)
        if kind == "resources":
            return 200, {
                "endpoint": self.moto_url,
                "region": REGION,
                "access_key_id": FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                "secret_access_key": FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                "resources": dict(self.template.resolver.physical_ids),
                "environments": {
                    logical_id: worker.function.environment for logical_id, worker in self.workers.items()
                },
            }
        if kind != "schedules" or method not in {"GET", "POST"}:
            return 404, {"message": "Not Found"}
        worker = self.workers.get(name)
        if worker is None or not worker.function.schedule_events:
            scheduled = sorted(k for k, w in self.workers.items() if w.function.schedule_events)
            return 404, {"message": f"no scheduled function {name!r}; scheduled functions: {scheduled}"}
        try:
            at = parse_instant(query["at"]) if "at" in query else self.clock.now()
        except ValueError:
            return 400, {"message": f"at={query['at']!r} is not an ISO 8601 instant"}
        schedule = worker.function.schedule_events[0]
        schedule_name = physical_name(name + schedule.name)
        event = scheduled_event(at, arn("scheduler", f"schedule/default/{schedule_name}"), "at" in query)
        self.log(f"firing {name}.{schedule.name} for {event['time']}")
        try:
            result = worker.invoke(event)
        except InvocationError as exc:
            return 502, {"function": name, "event": event, "error": exc.payload}
        return 200, {"function": name, "event": event, "result": result}

    def banner(self, started: float) -> None:
        assert self.api is not None and self.s3_front is not None
        lines = [
            f"cfp local: stack {STACK_NAME} from {self.template.path}",
            f"  page    {self.api.url}/  (the authors' page)",
            f"  API     {self.api.url}",
            f"  S3      {self.s3_front.url}  (AWS endpoint {self.moto_url})",
            f"  outbox  {self.options.outbox.resolve()}",
        ]
        for logical_id, worker in self.workers.items():
            sources = [e.route_key for e in worker.function.http_events]
            sources += [f"SQS {e.queue_arn.rpartition(':')[2]}" for e in worker.function.sqs_events]
            sources += [
                f"schedule {e.expression} {e.timezone or 'UTC'}" for e in worker.function.schedule_events
            ]
            lines.append(f"  function {logical_id}: {', '.join(sources) or 'no events'}")
        if self.resources is not None and self.resources.skipped:
            lines.append(f"  not emulated: {', '.join(self.resources.skipped)}")
        deadline = self.template.resolver.parameters.get("Deadline")
        if self._reopened_from:
            lines.append(
                f"  Deadline {deadline}: the template's {self._reopened_from} has passed, so the call stays"
                " open for 30 days here (--deadline ISO sets another)"
            )
        elif deadline and parse_deadline(deadline) < datetime.now(UTC):
            lines.append(f"  Deadline {deadline} has passed: the call is closed")
        if self._final_moved_from:
            final = self.template.resolver.parameters.get("FinalDeadline")
            lines.append(
                f"  FinalDeadline {final}: the template's {self._final_moved_from} came before the call's"
                " deadline, so it keeps its distance from it (--param FinalDeadline=ISO sets another)"
            )
        lines.append(f"ready in {time.monotonic() - started:.1f} s; Ctrl-C stops")
        for line in lines:
            self.log(line)

    def close(self) -> None:
        """Stop everything, in the reverse order of start."""
        self.stop_event.set()
        if self.api is not None:
            self.api.stop()
        for poller in self.pollers:
            # One holding a batch delivers it first; one waiting on an empty queue would hold the stop up to
            # its long poll's second, for nothing: the queue goes with the stack.
            if poller.holding:
                poller.thread.join()
        if self.outbox is not None:
            self.outbox.thread.join()
            self.outbox.flush()
        stopping = [threading.Thread(target=worker.stop) for worker in self.workers.values()]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()
        if self.s3_front is not None:
            self.s3_front.stop()
        if self._moto is not None:
            self._moto.stop()


def run(
    options: LocalOptions,
    out: IO[str],
    should_stop: Callable[[], bool],
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Run the stack until ``should_stop()`` is true; ``on_ready`` gets the API's URL once it serves.

    A polled predicate rather than an event: signal handlers that set an event can deadlock on its lock
    when a second signal arrives while the first handler holds it.
    """
    started = time.monotonic()
    stack = LocalStack(options, out)
    try:
        stack.start()
        stack.banner(started)
        if on_ready is not None and stack.api is not None:
            on_ready(stack.api.url)
        while not should_stop():
            time.sleep(0.1)
    finally:
        stack.close()
