"""One run: the context every sync of a connection goes through.

``with SyncRun(connection, ...) as ctx:`` — sends, imports, inbound polls and
the reconciliation all use it:

* **the lock**: a *session-level* PostgreSQL advisory lock on the
  connection, taken in a database session of its own. It outlives the run's
  commits, keeps no transaction open across Xero calls (that session is idle
  while the run works) and disappears with the process if it is killed, so a
  crash never leaves an organisation locked. A second run of the same
  connection is refused (UserError): its caller is a person or a job that
  comes back. The reconciliation report has a lock of its own, so a user can
  read Xero for a report while the sync runs.
* **the run row** (``xero.sync.run``), created and committed first; runs
  left ``running`` by a process that died are closed as *interrupted* by the
  next run of that connection — the lock proves nobody runs them any more;
  resumable runs (a contact import between two pages) are left alone;
* **one error → state policy** (:func:`outcome_of`) and the row **always
  closed** in ``__exit__`` with a state and a message, whatever was raised;
* **a budget**: work is done in bounded slices (:class:`Budget`), so a
  button, a cron and a queued job can all call the same unit and none of
  them outlives a worker's time limit.

:func:`unit` wraps one unit of work (a batch): kept when it ends, rolled
back alone when it raises.
"""

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.modules import module as odoo_module

from ..services.api import AccountingAdapter
from ..services.errors import (
    XeroAuthError,
    XeroDayLimitError,
    XeroError,
    XeroRetryableError,
)

_logger = logging.getLogger(__name__)

#: namespace of the advisory lock that serialises a connection's runs
SYNC_LOCK_NS = 7_930_001
#: namespace of the reconciliation report's own lock
RECON_LOCK_NS = 7_930_007
#: slice of work done inside a web request ("Send data now"): well under its time limit
MANUAL_SLICE = {"batches": 5, "seconds": 20}
#: slice of work of a scheduled action or a queued job
BACKGROUND_SLICE = {"batches": 100, "seconds": 90}
#: run kinds that take the sync lock (the reconciliation takes its own)
SYNC_KINDS = ("export", "inbound", "master", "contacts")


def testing():
    """Whether Odoo's test runner is running (tests never commit)."""
    return bool(odoo_module.current_test)


def commit(env):
    """Commit the work done so far, except in tests (they roll back).

    ``current_test`` is read at call time: importing the name would freeze
    the value it had when this module was loaded (never a test)."""
    if not testing():
        env.cr.commit()  # pylint: disable=invalid-commit


#: what the steps of a send read of its queue rows
ROW_FIELDS = ["connection_id", "state", "res_model", "res_id", "move_id", "purchase_id", "partner_id", "request_id",
              "payload_hash", "record_name", "xero_id", "message"]


def warm(records, fnames):
    """Read ``fnames`` of ``records`` in one query, when a step is about to read them.

    A commit empties the ORM cache; the first field read after it would
    load every column of the model (a document has two hundred) for the
    whole prefetch set. A step that runs after a commit and reads a few
    fields of many records asks for those only."""
    if records:
        records.fetch(fnames)


@contextmanager
def unit(env):
    """One unit of work: kept when it ends; when it raises, what it wrote
    since the last commit is rolled back. Tests never commit, so there it
    undoes nothing (a savepoint would also undo what a real process had
    committed inside the unit — the very state the fault tests look at)."""
    if testing():
        yield
        return
    try:
        yield
    except BaseException:
        env.cr.rollback()
        env.invalidate_all()
        raise


class Busy(UserError):
    """Another run of the connection holds its lock (a person or a job comes back)."""


class Budget:
    """How much one slice may do: a number of batches and a duration."""

    def __init__(self, batches=None, seconds=None):
        self.batches = batches
        self.deadline = time.monotonic() + seconds if seconds else None
        self.used = 0

    @classmethod
    def of(cls, spec):
        return cls(**spec) if spec else cls()

    def spend(self):
        self.used += 1

    @property
    def exhausted(self):
        if self.batches is not None and self.used >= self.batches:
            return True
        return self.deadline is not None and time.monotonic() >= self.deadline


class ConnectionLock:
    """A session-level advisory lock on one connection (see the module doc)."""

    def __init__(self, env, connection_id, namespace=SYNC_LOCK_NS):
        self.env = env
        self.key = (namespace, connection_id)
        self.cr = None
        self.held = False

    def acquire(self):
        """Take the lock if it is free; return whether it is held now."""
        if self.env.registry.in_test_mode():
            # browser tests: every cursor is the test's one connection
            self.env.cr.execute("SELECT pg_try_advisory_lock(%s, %s)", self.key)
            self.held = self.env.cr.fetchone()[0]
            return self.held
        cr = self.env.registry.cursor()
        try:
            cr.execute("SELECT pg_try_advisory_lock(%s, %s)", self.key)
            self.held = cr.fetchone()[0]
            cr.commit()  # pylint: disable=invalid-commit  # ends the transaction, keeps the session lock
        except Exception:
            cr.close()
            raise
        if self.held:
            self.cr = cr
        else:
            cr.close()
        return self.held

    def release(self):
        if not self.held:
            return
        self.held = False
        cr = self.cr or self.env.cr
        try:
            cr.execute("SELECT pg_advisory_unlock(%s, %s)", self.key)
            if self.cr:
                cr.commit()  # pylint: disable=invalid-commit
        finally:
            if self.cr:
                self.cr.close()
                self.cr = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


@dataclass
class RunContext:
    """What the parts of a run share: where, which run, how to call Xero."""

    env: object
    connection: object
    run: object
    client: object
    api: AccountingAdapter
    budget: Budget
    notes: list = field(default_factory=list)
    #: partners whose Xero contact this run found (or made) up to date (ContactExporter.changed)
    contacts_checked: set = field(default_factory=set)
    calls_before: int = 0

    @property
    def calls(self):
        """Calls made to Xero in this run so far."""
        return self.api.calls - self.calls_before

    @classmethod
    def build(cls, connection, run, client=None, budget=None):
        """A context for ``run`` without the run's lock (tests, a step that
        already holds it)."""
        connection = connection.sudo().with_company(connection.company_id)
        client = client or connection._xero_client()
        return cls(connection.env, connection, run, client, AccountingAdapter(client), budget or Budget(),
                   calls_before=client.calls)

    @property
    def company(self):
        return self.connection.company_id


def outcome_of(exc, connection, one_off=False):
    """``(state, message)`` of a run that ``exc`` ended (the one policy).

    A spent day limit stops the run with the time it resumes (and moves the
    connection's next automatic run there) — a one-off user action fails
    instead; Xero not answering leaves it partial (what was not sent is
    retried); a refused grant or request, a user error or an unexpected
    error fail it with the reason."""
    env = connection.env
    if isinstance(exc, XeroDayLimitError) and one_off:
        return "failed", exc.message
    if isinstance(exc, XeroDayLimitError):
        resume = fields.Datetime.now() + timedelta(seconds=exc.retry_after)
        connection.sudo().next_sync = resume
        return "stopped", env._(
            "Xero's daily API limit for this organisation is spent. The work stops here and resumes "
            "automatically after %(when)s UTC; nothing was lost.", when=resume)
    if isinstance(exc, XeroRetryableError):
        return "partial", env._("Xero did not answer (%(error)s). What was not done is retried automatically.",
                                error=exc.message)
    if isinstance(exc, (XeroAuthError, XeroError)):
        return "failed", exc.message
    if isinstance(exc, UserError):
        return "failed", exc.args[0] if exc.args else str(exc)
    _logger.error("Xero run of %s stopped on an unexpected error", connection.display_name, exc_info=exc)
    return "failed", env._("The run stopped on an unexpected error (%(error)s); what was already sent is "
                           "kept and the rest is tried again by the next run.", error=exc)


class SyncRun:
    """``with SyncRun(connection, kind, trigger) as ctx:`` (see the module doc).

    ``run`` resumes an existing run row (a resumable contact import);
    ``client`` replaces the connection's own client (tests, benchmarks);
    ``slice`` bounds the work (:data:`MANUAL_SLICE`, :data:`BACKGROUND_SLICE`);
    ``one_off`` marks a user's single action (a spent day limit fails it).
    Every exception raised inside is recorded on the run, which is closed;
    Xero's errors and UserErrors end there, any other is raised again.
    """

    def __init__(self, connection, kind, trigger="manual", operation=None, client=None, run=None,
                 slice=None, resumable=False, one_off=False):
        self.connection = connection.sudo().with_company(connection.company_id)
        self.env = self.connection.env
        self.kind = kind
        self.trigger = trigger
        self.operation = operation
        self.client = client
        self.run = run
        self.slice = slice
        self.resumable = resumable
        self.one_off = one_off
        self.lock = ConnectionLock(self.env, connection.id, RECON_LOCK_NS if kind == "reconciliation" else SYNC_LOCK_NS)
        self.ctx = None
        self.state = self.message = None
        self._api_calls_before = 0

    def __enter__(self):
        conn = self.connection
        conn._ensure_connected()
        if not self.lock.acquire():
            raise Busy(self.env._(
                "A sync with Xero is already running for %(org)s. Wait for it to finish, then try again.",
                org=conn.display_name))
        try:
            self._close_interrupted()
            self._api_calls_before = self.run.api_calls if self.run else 0
            if not self.run:
                self.run = self.env["xero.sync.run"].sudo().create({
                    "connection_id": conn.id, "trigger": self.trigger, "kind": self.kind,
                    "operation": self.operation or self.kind, "resumable": self.resumable})
            commit(self.env)
            client = self.client or conn._xero_client()
            self.ctx = RunContext(self.env, conn, self.run, client, AccountingAdapter(client),
                                  Budget.of(self.slice), calls_before=client.calls)
        except BaseException:
            self.lock.release()
            raise
        return self.ctx

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc is not None and not isinstance(exc, Exception):
                return False  # KeyboardInterrupt, SystemExit: the process stops
            if exc is not None:
                if not testing():
                    self.env.cr.rollback()
                    self.env.invalidate_all()
                self.state, self.message = outcome_of(exc, self.connection, self.one_off)
            self.close()
            commit(self.env)
        finally:
            self.lock.release()
        # Xero's refusals and a user's errors are the run's outcome; anything
        # else is a defect: recorded on the run, then raised to the caller
        return exc is None or isinstance(exc, (XeroError, UserError))

    def close(self):
        """Record the calls made and close the run row (kinds may add their
        book-keeping in :meth:`after`)."""
        client = self.ctx.client
        run = self.run.sudo()
        run.api_calls = (self._api_calls_before if self.resumable else 0) + self.ctx.calls
        self.connection._xero_note_day_remaining(client)
        if not (self.resumable and self.state is None):
            run._finish(state=self.state, message=self.message or " ".join(self.ctx.notes) or None)
        self.after()

    def after(self):
        """Book-keeping of a kind of run once it is closed (nothing here)."""

    def _close_interrupted(self):
        """Close the runs of this connection left ``running`` by a process
        that died: we hold the lock, so nobody runs them any more. Resumable
        runs (a contact import between pages) and runs of the other lock are
        left alone."""
        kinds = ["reconciliation"] if self.kind == "reconciliation" else list(SYNC_KINDS)
        stale = self.env["xero.sync.run"].sudo().search([
            ("connection_id", "=", self.connection.id), ("state", "=", "running"),
            ("resumable", "=", False), ("kind", "in", kinds)])
        if stale:
            stale._finish(state="failed", message=self.env._(
                "Interrupted: the process running it stopped (killed or timed out) before it finished. "
                "Nothing is lost: what it had not recorded is taken up by the next run."))
