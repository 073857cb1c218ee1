"""Make moto's costs per request small, and independent of how much the local stack holds.

Profiling ``cfp local`` under load showed three moto operations whose cost grows with the data, so the
stack slowed down as it filled up (a ``POST /submissions`` went from 26 ms to 4.4 s over 1,000
submissions):

- ``TransactWriteItems`` deep-copies every table it touches, item by item and once per operation, to roll
  back on failure;
- ``Query`` on a table's key sorts every item of the table to find one partition;
- every SQS send and receive rebuilds the queue's attributes, which counts every message in the queue.

DynamoDB and SQS answer these in time independent of the table's or queue's size, so the local stack
patches them (in its own process only, never in the functions or the tests' in-process moto):
transactions save only the partitions they write, once, key queries read only their partition, and the
retention and deduplication checks read the one attribute they need. And since moto's server finds every
request's backend by listing its own package's folders and trying every service's URL patterns, the
backend for a host is looked up once. What each call returns is unchanged.

moto's server runs each request on a thread of its own, and its DynamoDB backend takes no lock: a
transaction copying a table while another request adds an item fails ("dictionary changed size during
iteration"), and a cancelled one puts back the table as it was, losing what other requests wrote meanwhile.
DynamoDB serialises what touches one item and isolates transactions, so the local stack runs DynamoDB
requests one at a time; each is short, and the interpreter's lock runs them one at a time anyway.

moto's SQS backend takes no lock either: two pollers receiving from one queue at once could both take the
same message (each then holding a receipt handle, one of which no longer deletes it), leaving messages
in flight that nobody held until their visibility ran out, half an hour on the notification queue. SQS
hands a message to one receiver at a time, so the local stack runs what reads or changes a queue's
messages one request at a time too, except while a long poll waits for a message to arrive.
"""

from __future__ import annotations

import copy
import inspect
import threading
from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any

_scope = threading.local()
_applied: list[bool] = []
# Held by every DynamoDB request moto serves in this process, from parsing to answering.
_tables = threading.RLock()


def _partition_keys(table: Any, operations: Iterable[dict[str, Any]]) -> set[Any]:
    """The hash keys of ``table`` that a transaction's operations name."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    keys = set()
    for operation in operations:
        _, body = next(iter(operation.items()))
        if body.get("TableName") != table.name:
            continue
        key = body.get("Key") or body.get("Item") or {}
        value = key.get(table.hash_key_attr)
        if value is not None:
            keys.add(DynamoType(value))
    return keys


_ABSENT = object()


def _save_partitions(backend: Any, operations: list[dict[str, Any]]) -> list[tuple[Any, Any, Any]]:
    """A deep copy of each partition a transaction names (or ``_ABSENT``), taken once before it runs."""
    saved = []
    for table in {id(t): t for t in backend.tables.values()}.values():
        for hash_key in _partition_keys(table, operations):
            stored = table.items.get(hash_key, _ABSENT)
            saved.append((table, hash_key, _ABSENT if stored is _ABSENT else copy.deepcopy(stored)))
    return saved


def _restore_partitions(saved: list[tuple[Any, Any, Any]]) -> None:
    """Put back what a cancelled transaction may have changed: only the partitions it names can differ."""
    for table, hash_key, stored in saved:
        if stored is _ABSENT:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = stored


def _deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """moto's ``copy.deepcopy``, except that a table a transaction would copy whole for its rollback (once
    per operation) is handed back as it is: the transaction saved the partitions it names instead."""
    from moto.dynamodb.models.table import Table

    if getattr(_scope, "transaction", False) and isinstance(value, Table):
        return value
    return copy.deepcopy(value, memo)


def _patch_transactions() -> None:
    import moto.dynamodb.models as models

    original: Callable[..., None] = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = _save_partitions(self, transact_items)
        _scope.transaction = True
        try:
            original(self, transact_items)
        except BaseException:
            # moto puts back its "copies", which are the live tables: the saved partitions undo the writes.
            _restore_partitions(saved)
            raise
        finally:
            _scope.transaction = False

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    models.copy = SimpleNamespace(deepcopy=_deepcopy)  # type: ignore[attr-defined, assignment]


def _patch_queries() -> None:
    from moto.dynamodb.models.table import Table

    original_query: Callable[..., Any] = Table.query
    original_all_items: Callable[..., Any] = Table.all_items
    signature = inspect.signature(original_query)

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        # moto's backend passes the index name by position; only a query of the table's own key is scoped.
        index_name = signature.bind(self, hash_key, *args, **kwargs).arguments.get("index_name")
        scoped = index_name is None and hash_key is not None
        _scope.partition = (self, hash_key) if scoped else None
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            _scope.partition = None

    def all_items(self: Any) -> Any:
        partition = getattr(_scope, "partition", None)
        if partition is None or partition[0] is not self:
            return original_all_items(self)
        stored = self.items.get(partition[1])
        if stored is None:
            return []
        if not self.range_key_attr:
            return [stored]
        return sorted(stored.values(), key=lambda item: item.range_key)

    Table.query = query  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]


def _patch_scans() -> None:
    """A paginated Scan of the table's own key starts each page where the last one ended: moto walks every
    item from the first to the page's start key, comparing each, so reading a table page by page cost time
    in the square of its size (a Scan of 5,000 submissions took seconds)."""
    import bisect

    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    original_scan: Callable[..., Any] = Table.scan
    original_all_items: Callable[..., Any] = Table.all_items
    signature = inspect.signature(original_scan)

    def scan(self: Any, *args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(self, *args, **kwargs).arguments
        start = arguments.get("exclusive_start_key")
        plain = not arguments.get("index_name") and arguments.get("segments", (None, None)) == (None, None)
        if not start or not plain or not self.range_key_attr:
            return original_scan(self, *args, **kwargs)
        ordered = original_all_items(self)
        after = (DynamoType(start[self.hash_key_attr]), DynamoType(start[self.range_key_attr]))
        position = bisect.bisect_right(ordered, after, key=lambda item: (item.hash_key, item.range_key))
        _scope.scan_rest = (self, ordered[position:])
        arguments["exclusive_start_key"] = None
        try:
            return original_scan(**arguments)
        finally:
            _scope.scan_rest = None

    def all_items(self: Any) -> Any:
        rest = getattr(_scope, "scan_rest", None)
        if rest is not None and rest[0] is self:
            return rest[1]
        return original_all_items(self)

    Table.scan = scan  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]


def _patch_queues() -> None:
    from moto.core.utils import unix_time
    from moto.sqs.models import Queue, SQSBackend

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        retention = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention + message.sent_timestamp / 1000 > unix_time())

    attributes: property = Queue.attributes  # type: ignore[assignment]

    def cheap_attributes(self: Any) -> dict[str, Any]:
        """While a standard queue takes a message, the only attribute read is ContentBasedDeduplication,
        which standard queues do not have."""
        if getattr(_scope, "sending_to", None) is self:
            return {}
        return attributes.fget(self)  # type: ignore[misc, no-any-return]

    original_send: Callable[..., Any] = SQSBackend.send_message

    def send_message(self: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        queue = self.get_queue(queue_name)
        _scope.sending_to = None if queue.fifo_queue else queue
        try:
            return original_send(self, queue_name, *args, **kwargs)
        finally:
            _scope.sending_to = None

    SQSBackend.is_message_valid_based_on_retention_period = (  # type: ignore[method-assign]
        is_message_valid_based_on_retention_period
    )
    Queue.attributes = property(cheap_attributes)  # type: ignore[assignment, method-assign]
    SQSBackend.send_message = send_message  # type: ignore[method-assign]


# DynamoDB's wire types whose JSON is the value as moto holds it; binary ones (B, BS) are base64-encoded on
# the way out, so an item holding one takes moto's own path.
_PLAIN_TYPES = frozenset({"S", "N", "BOOL", "NULL", "SS", "NS"})


def _wire_ready(value: Any) -> bool:
    """Whether a DynamoDB attribute value, as moto holds it, is already its JSON form."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    kind, inner = next(iter(value.items()))
    if kind in _PLAIN_TYPES:
        return True
    if kind == "M":
        return isinstance(inner, dict) and all(_wire_ready(v) for v in inner.values())
    if kind == "L":
        return isinstance(inner, list) and all(_wire_ready(v) for v in inner)
    return False


def _patch_items() -> None:
    """moto serializes every answer by walking the API's shapes value by value, resolving each member's
    name on the way: about 0.6 ms an item, so a Scan of a table of 5,000 submissions cost seconds of CPU
    while every other DynamoDB request waited. An item's attributes are already in DynamoDB's JSON form, so
    an item map goes out as it is."""
    from moto.core.serialize import BaseJSONSerializer

    original: Callable[..., Any] = BaseJSONSerializer._serialize_type_map

    def serialize_map(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if getattr(shape.value, "name", None) == "AttributeValue" and all(
            _wire_ready(v) for v in value.values()
        ):
            self._default_serialize(serialized, dict(value), shape, key)
            return
        original(self, serialized, value, shape, key)

    BaseJSONSerializer._serialize_type_map = serialize_map  # type: ignore[method-assign]


class _QueueGate:
    """One lock for moto's SQS message operations, taken once per request (an operation that calls
    another, such as a batch send, takes it once) and let go while a long poll waits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def held(self, operation: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            depth = getattr(_scope, "queue_depth", 0)
            if depth == 0:
                self._lock.acquire()
            _scope.queue_depth = depth + 1
            try:
                return operation(*args, **kwargs)
            finally:
                _scope.queue_depth = depth
                if depth == 0:
                    self._lock.release()

        return run

    def released(self, wait: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            depth = getattr(_scope, "queue_depth", 0)
            if depth:
                _scope.queue_depth = 0
                self._lock.release()
            try:
                return wait(*args, **kwargs)
            finally:
                if depth:
                    self._lock.acquire()
                    _scope.queue_depth = depth

        return run


def _patch_queue_isolation() -> None:
    """Receive, delete, send and change visibility one request at a time (see the module's docstring)."""
    from moto.sqs.models import Queue, SQSBackend

    gate = _QueueGate()
    for name in (
        "receive_message",
        "delete_message",
        "delete_message_batch",
        "send_message",
        "send_message_batch",
        "change_message_visibility",
        "change_message_visibility_batch",
        "purge_queue",
    ):
        setattr(SQSBackend, name, gate.held(getattr(SQSBackend, name)))
    Queue.wait_for_messages = gate.released(Queue.wait_for_messages)  # type: ignore[method-assign]


def _patch_isolation() -> None:
    """Run moto's DynamoDB requests one at a time, so a transaction sees no other write until it ends."""
    from moto.dynamodb.responses import DynamoHandler

    original: Callable[..., Any] = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with _tables:
            return original(self)

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]


def _patch_dispatch() -> None:
    """moto's server finds each request's backend by listing its own package's folders and matching the
    request's host against every service's URL patterns; the answer for a host never changes."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original: Callable[..., Any] = DomainDispatcherApplication.get_backend_for_host
    found: dict[str | None, Any] = {}

    def get_backend_for_host(self: Any, host: str | None) -> Any:
        if host not in found:
            found[host] = original(self, host)
        return found[host]

    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]


def apply() -> None:
    """Patch moto in this process, once."""
    if _applied:
        return
    _patch_dispatch()
    _patch_isolation()
    _patch_transactions()
    _patch_queries()
    _patch_scans()
    _patch_queues()
    _patch_queue_isolation()
    _patch_items()
    _applied.append(True)
