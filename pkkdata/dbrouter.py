"""Reads of the recaps and downloads from a read replica (issue 14), when one is configured.

DATABASE_REPLICA_URL names a second database, a streaming replica of the first: the alias "replica".
Unset, there is no replica and everything reads and writes "default", as before.

Nothing goes to the replica unless it is asked for. Work that only counts and prints marks itself:
the recap pages, the dashboard and the downloads with ``@reads_from_replica`` on the view, the
background export with ``replica_reads()`` around its run. Inside such work only the reads of the data
that is counted (``REPLICA_APPS`` and the tree's ``Unit``) go to the replica; accounts, roles and their
permissions, the session, django-axes, the jobs and the verification register are always read from
"default", so a right just taken away is gone on the next click.

A replica runs behind by a moment (replication lag); three rules keep a person from reading older data
than what they just wrote:

- a read inside a transaction on "default" reads "default" (a service that writes reads what it wrote);
- once marked work writes counted data, its later reads go to "default" (``_Reads.pinned``);
- a person who wrote counted data in a request (``ReplicaPinMiddleware`` watches the writes) reads
  "default" for the next ``DATABASE_REPLICA_PIN_SECONDS`` (default 10 s; the time is kept in the
  session), and a background export started in that time reads "default" too (``may_read_replica``,
  recorded in the job when it is asked for).

Writes always go to "default"; nothing is migrated on the replica (it copies "default").

A replica that does not answer (down, unreachable: an OperationalError, and a trivial query fails too)
costs marked work one failed try (``on_replica``): a page is made again on "default", a background
export writes its file again from the start on "default", and for DOWN_FOR seconds marked work reads
"default" without trying it (a connection is given up after 3 s, settings.py). A replica more than
DATABASE_REPLICA_MAX_LAG seconds behind (``replica_behind``, asked every LAG_CHECK_EVERY seconds) is
not read either until it has caught up."""

import contextvars
import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, OperationalError, connections

REPLICA = "replica"
T = TypeVar("T")
logger = logging.getLogger(__name__)
# The data the recaps and downloads count; everything else is always read from "default".
REPLICA_APPS = frozenset({"households", "reports", "recaps"})
REPLICA_MODELS = frozenset({"hierarchy.unit", "hierarchy.historicalunit"})
# Kept counts that a recap writes as it reads (recaps.ringkasan): writing one is not writing counted
# data, so it pins nothing.
NOT_PINNING = frozenset({"recaps.ringkasandasawisma"})
# Session key: when this person last wrote counted data (seconds since the epoch).
PIN_KEY = "_replika_tulis"


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replicable(model) -> bool:
    """Whether reads of this model may go to the replica in marked work."""
    meta = model._meta
    return meta.app_label in REPLICA_APPS or meta.label_lower in REPLICA_MODELS


@dataclass
class _Reads:
    """Marked work in progress: reads of counted data go to the replica until it writes some."""

    pinned: bool = False


@dataclass
class _Request:
    """The request in progress (ReplicaPinMiddleware): whether it wrote counted data, and whether
    its person did in the last DATABASE_REPLICA_PIN_SECONDS (read from the session when first asked)."""

    request: object
    wrote: bool = False
    _recent: bool | None = field(default=None, repr=False)

    def recent(self) -> bool:
        if self._recent is None:
            session = getattr(self.request, "session", None)
            last = session.get(PIN_KEY) if session is not None else None
            self._recent = isinstance(last, int | float) and time.time() - last < settings.PKK_REPLICA_PIN_SECONDS
        return self._recent


_reads: contextvars.ContextVar[_Reads | None] = contextvars.ContextVar("pkk_replica_reads", default=None)
_request: contextvars.ContextVar[_Request | None] = contextvars.ContextVar("pkk_replica_request", default=None)


def may_read_replica() -> bool:
    """Whether work started now may read the replica: there is one, and the person of the request in
    progress (if any) has not written counted data in this request or in the last few seconds."""
    if not replica_configured():
        return False
    current = _request.get()
    return current is None or not (current.wrote or current.recent())


@contextmanager
def replica_reads(enabled: bool = True) -> Iterator[None]:
    """Reads of counted data inside the block go to the replica (when there is one and ``enabled``)."""
    token = _reads.set(_Reads() if enabled and replica_configured() else None)
    try:
        yield
    finally:
        _reads.reset(token)


def reads_from_replica(view):
    """A view that only counts and prints: its reads of counted data go to the replica, unless its
    person wrote in the last few seconds. Put it under @login_required (the session and the account are
    read first, from "default", either way). A streamed file is written before its first byte is sent
    (the kelurahan's Data Warga); a response that read while it is sent would read "default"."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        return on_replica(lambda: view(request, *args, **kwargs), enabled=may_read_replica())

    return wrapper


def on_replica(work: Callable[[], T], *, enabled: bool = True, again: Callable[[], object] | None = None) -> T:
    """work(), its reads of counted data on the replica (replica_reads) when `enabled`, there is one and
    it is not known to be down. When the replica does not answer (an OperationalError, and a trivial
    query fails too), it is marked down for DOWN_FOR seconds and work() runs once more on "default",
    after again() (which undoes what the first try wrote: a half-written file). An error of the work
    itself, while the replica answers, is raised as it is."""
    if not enabled or not replica_configured() or replica_down() or replica_behind():
        return work()
    try:
        with replica_reads():
            return work()
    except OperationalError:
        if replica_answers():
            raise  # the replica is fine: the error is the work's own
        _mark_down()
        logger.warning("replika basis data tidak menjawab: dibaca dari basis data utama", exc_info=True)
    if again is not None:
        again()
    return work()  # once more, on "default"


# A replica that failed is not asked again for this long (seconds): the pages read "default" meanwhile
# instead of each waiting for the connection to fail.
DOWN_FOR = 30
_down_until = 0.0


def replica_down() -> bool:
    return time.monotonic() < _down_until


def _mark_down() -> None:
    global _down_until
    _down_until = time.monotonic() + DOWN_FOR


def replica_answers() -> bool:
    """Whether the replica answers a trivial query now (its connection is opened again if it broke)."""
    connection = connections[REPLICA]
    try:
        connection.close_if_unusable_or_obsolete()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        connection.close()
        return False


# How often one process asks the replica how far behind it is (seconds); in between the answer stands.
LAG_CHECK_EVERY = 5
_lag_checked_at, _behind = -float("inf"), False


def replica_behind() -> bool:
    """Whether the replica is more than PKK_REPLICA_MAX_LAG seconds behind "default" (asked at most every
    LAG_CHECK_EVERY seconds). A replica that does not answer the question is not called behind here:
    on_replica finds out that it is down. Not asked inside a transaction on "default", where nothing is
    read from the replica anyway (ReplicaRouter)."""
    global _lag_checked_at, _behind
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return False
    now = time.monotonic()
    if now - _lag_checked_at >= LAG_CHECK_EVERY:
        _lag_checked_at = now
        try:
            _behind = replica_lag() > settings.PKK_REPLICA_MAX_LAG
        except DatabaseError:
            connections[REPLICA].close()
            _behind = False
        if _behind:
            logger.warning("replika basis data tertinggal lebih dari %s s: dibaca dari basis data utama",
                           settings.PKK_REPLICA_MAX_LAG)  # fmt: skip
    return _behind


def replica_lag() -> float:
    """Seconds of the primary's transactions the replica has received or is waiting for but not yet
    replayed: none when it has replayed everything it received (an idle primary sends nothing, so the
    time since the last replayed transaction alone would grow without any lag), none when it is not a
    standby at all (the tests' mirror) or not PostgreSQL."""
    connection = connections[REPLICA]
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()"
            " THEN 0 ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
        )
        return float(cursor.fetchone()[0])


class ReplicaRouter:
    """DATABASE_ROUTERS: marked reads of counted data to the replica, everything else to "default"."""

    def db_for_read(self, model, **hints):
        reads = _reads.get()
        if (
            reads is None
            or reads.pinned
            or not replicable(model)
            # Inside a transaction on "default" (a service writing, a row lock): read what it sees.
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            # Explicitly "default": a row read from the replica must not pull its relations from there.
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        if replicable(model) and model._meta.label_lower not in NOT_PINNING:
            reads = _reads.get()
            if reads is not None:
                reads.pinned = True
            current = _request.get()
            if current is not None:
                current.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of "default": a row read from either may point to a row of the other.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA


class ReplicaPinMiddleware:
    """Remembers in the session when a signed-in person wrote counted data, so that their next marked
    pages read "default" until the replica has caught up (DATABASE_REPLICA_PIN_SECONDS). Without a
    replica it does nothing. After SessionMiddleware and AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        current = _Request(request)
        token = _request.set(current)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        user = getattr(request, "user", None)
        if current.wrote and user is not None and user.is_authenticated:
            request.session[PIN_KEY] = time.time()
        return response
