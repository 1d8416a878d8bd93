"""Xero's rate limits shared by every process of a database, through PostgreSQL.

The process-local :class:`~.governor.RateGovernor` forgets an organisation's
minute when its next slice runs in another process (another worker, another
machine, a queued job); this one keeps what every process did in two tables
(``xero_rate_call``: one row per call; ``xero_rate_state``: what Xero last
said and the 429 back-offs), so all of them share:

* per organisation, 60 calls per rolling minute and 5 in flight;
* per app (OAuth client id), the app-wide limit — 10,000 calls a minute
  (system parameter ``account_xero.app_calls_per_minute``);
* Xero's ``X-MinLimit-Remaining`` / ``X-AppMinLimit-Remaining`` of the last
  answer, which correct the count when someone else spent calls (another
  database, another app instance), exactly as the local governor does: a
  minute Xero said was spent frees up call by call as the calls it counted
  leave the window;
* after a 429, nobody calls that organisation (or the app) before
  ``Retry-After``.

**Transactions.** Each decision is one short transaction of its own (a
cursor from ``cursor()``, committed at once): an app-wide transaction-level
advisory lock serialises the decisions of one app (a millisecond each), the
window is counted, the call's row inserted and committed *before* the call
goes; the answer updates the row in another short transaction. No
transaction of the governor, and none of the caller's, stays open across a
call to Xero. What it costs: two commits and four to six indexed statements
per call, about 1 to 2 ms on a local PostgreSQL; rows older than two minutes are
deleted as calls go.

**When a call counts.** Xero counts a call when it arrives, which is after
it started here and before its answer came back: a call counts from its
start while it is in flight, and once answered from its start or a second
(:data:`~.governor.MARGIN`) before its answer, whichever is later — a call
that took seconds to send (a busy machine) or to answer never leaves our
window before it leaves Xero's.

**Skipped, on purpose.** A call whose process died in flight keeps its row
open: it stops counting as in flight after :data:`IN_FLIGHT_STALE` (the
client's timeout is 30 s). The day budget is not shared here: each run reads
Xero's ``X-DayLimit-Remaining`` and stops cleanly on the daily 429. Times
are the callers' clocks (epoch seconds): machines sharing a database keep
their clocks in sync (NTP), and the window keeps a second of margin.
"""

import random
import time
from dataclasses import dataclass

from .governor import CONCURRENT_LIMIT, MARGIN, MINUTE_LIMIT, WINDOW, _int

APP_MINUTE_LIMIT = 10_000
#: a call still open after this long is one whose process died: it no longer counts as in flight
IN_FLIGHT_STALE = 120.0
#: how long a caller waits before looking again for a free in-flight place
POLL = 0.05
#: advisory lock namespace of the decisions of one app
LOCK_NS = 7_930_011
#: rows older than this are deleted (about one acquisition in :data:`PRUNE_EVERY`)
KEEP = 2 * (WINDOW + MARGIN)
PRUNE_EVERY = 50


@dataclass
class Slot:
    """One call admitted by :meth:`SharedGovernor.acquire`."""

    id: int
    tenant: str
    app: str


class SharedGovernor:
    """The rate governor of one database, shared by its processes.

    ``cursor()`` returns a context manager giving a database cursor of its
    own that is committed when the block ends, in a READ COMMITTED
    transaction (:func:`~..sync.rate.read_committed`: each statement sees
    what other processes committed, the lock's included); ``clock``
    gives epoch seconds. Same interface as the local governor:
    :meth:`acquire`, :meth:`release`, :meth:`back_off`, :meth:`reset`,
    ``waited``."""

    def __init__(self, cursor, minute_limit=MINUTE_LIMIT, concurrent=CONCURRENT_LIMIT,
                 app_limit=APP_MINUTE_LIMIT, clock=time.time, sleep=time.sleep):
        self.cursor = cursor
        self.minute_limit = minute_limit
        self.concurrent = concurrent
        self.app_limit = app_limit
        self.clock = clock
        self.sleep = sleep
        self.waited = 0.0

    # ------------------------------------------------------------ the interface
    def acquire(self, tenant_id, app=""):
        """Block until a call for ``tenant_id`` of ``app`` may start; return its
        :class:`Slot` (give it back to :meth:`release`)."""
        app = app or ""
        while True:
            with self.cursor() as cr:
                now = self.clock()
                cr.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (LOCK_NS, app))
                wait = self.wait_time(cr, tenant_id, app, now)
                if wait <= 0:
                    cr.execute("INSERT INTO xero_rate_call (tenant, app, started) VALUES (%s, %s, %s) RETURNING id",
                               (tenant_id, app, now))
                    slot = Slot(cr.fetchone()[0], tenant_id, app)
                    if random.randrange(PRUNE_EVERY) == 0:  # noqa: S311 - not a secret: spreads the clean-up
                        cr.execute("DELETE FROM xero_rate_call WHERE started < %s", (now - KEEP,))
                    return slot
            self.waited += wait
            self.sleep(min(wait, WINDOW))

    def release(self, slot, headers=None):
        """The call of ``slot`` is answered: it leaves the in-flight count, and
        what Xero said of the minute (its own and the app's) is kept."""
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        with self.cursor() as cr:
            now = self.clock()
            # Xero counted the call when it arrived, some time before this answer: from here on it
            # counts from its start or from a margin before its answer, whichever is later
            cr.execute("UPDATE xero_rate_call SET ended = %s, started = GREATEST(started, %s) WHERE id = %s",
                       (now, now - MARGIN, slot.id))
            for header, key in (("x-minlimit-remaining", f"t:{slot.tenant}"),
                                ("x-appminlimit-remaining", f"a:{slot.app}")):
                remaining = _int(headers.get(header))
                if remaining is not None:
                    cr.execute(
                        """INSERT INTO xero_rate_state (key, remaining, reported_at) VALUES (%s, %s, %s)
                           ON CONFLICT (key) DO UPDATE SET remaining = EXCLUDED.remaining,
                                                           reported_at = EXCLUDED.reported_at""",
                        (key, remaining, now))

    def back_off(self, tenant_id, seconds, app=None):
        """After a 429: nobody calls the organisation — or, given ``app``, the
        whole app (its app-wide minute) — for ``seconds``."""
        key = f"a:{app}" if app is not None else f"t:{tenant_id}"
        with self.cursor() as cr:
            until = self.clock() + seconds
            cr.execute(
                """INSERT INTO xero_rate_state (key, blocked_until) VALUES (%s, %s)
                   ON CONFLICT (key) DO UPDATE
                   SET blocked_until = GREATEST(COALESCE(xero_rate_state.blocked_until, 0), EXCLUDED.blocked_until)""",
                (key, until))

    def reset(self):
        """Forget every call and report (tests, a Xero that was reset)."""
        with self.cursor() as cr:
            cr.execute("DELETE FROM xero_rate_call")
            cr.execute("DELETE FROM xero_rate_state")
        self.waited = 0.0

    # ------------------------------------------------------------ the decision
    def wait_time(self, cr, tenant_id, app, now):
        """Seconds before a call of ``tenant_id``/``app`` may start (0: now)."""
        cr.execute("SELECT key, remaining, reported_at, blocked_until FROM xero_rate_state WHERE key IN (%s, %s)",
                   (f"t:{tenant_id}", f"a:{app}"))
        states = {key: (remaining, at, blocked) for key, remaining, at, blocked in cr.fetchall()}
        tenant_state = states.get(f"t:{tenant_id}", (None, None, None))
        app_state = states.get(f"a:{app}", (None, None, None))
        wait = max(0.0, (tenant_state[2] or 0) - now, (app_state[2] or 0) - now)
        wait = max(wait, self._window_wait(cr, "tenant", tenant_id, self.minute_limit, tenant_state, now))
        if wait <= 0:
            wait = max(wait, self._window_wait(cr, "app", app, self.app_limit, app_state, now))
        if wait <= 0:
            cr.execute("SELECT count(*) FROM xero_rate_call WHERE tenant = %s AND ended IS NULL AND started > %s",
                       (tenant_id, now - IN_FLIGHT_STALE))
            if cr.fetchone()[0] >= self.concurrent:
                wait = POLL
        return wait

    def _window_wait(self, cr, column, value, limit, state, now):
        """Seconds before the rolling minute of ``column = value`` has a place.

        Our window: calls of the last ``WINDOW + MARGIN`` seconds, at most
        ``limit``. Xero's report (``remaining`` at ``reported_at``, forgotten
        a window later) is corrected by the calls started since (not in it)
        and by the calls it counted that have left our window since (each
        gives its place back); when nothing is left, the wait ends when the
        next counted call leaves, or when the report expires."""
        horizon = now - WINDOW - MARGIN
        remaining, at = state[0], state[1]
        report = remaining is not None and at is not None and now - at < WINDOW
        at = at if report else now
        cr.execute(
            f"""SELECT count(*) FILTER (WHERE started > %(horizon)s),
                       count(*) FILTER (WHERE started > %(at)s),
                       count(*) FILTER (WHERE started > %(at)s - %(window)s AND started <= %(at)s
                                        AND started <= %(horizon)s)
                  FROM xero_rate_call
                 WHERE {column} = %(value)s AND started > LEAST(%(horizon)s, %(at)s - %(window)s)""",  # noqa: S608
            {"horizon": horizon, "at": at, "window": WINDOW, "value": value})
        in_window, after_report, left = cr.fetchone()
        wait = 0.0
        if in_window >= limit:
            oldest = self._nth(cr, column, value, horizon, None, in_window - limit)
            wait = (oldest + WINDOW + MARGIN - now) if oldest is not None else POLL
        if report:
            effective = remaining - after_report + left
            if effective <= 0:
                expires = at + WINDOW - now
                counted = self._nth(cr, column, value, max(horizon, at - WINDOW), at, -effective)
                if counted is not None:
                    expires = min(expires, counted + WINDOW + MARGIN - now)
                wait = max(wait, expires)
        return wait

    @staticmethod
    def _nth(cr, column, value, after, until, offset):
        """Start of the ``offset``-th (0-based) oldest call of ``column = value``
        started after ``after`` (and not after ``until``), or None."""
        cr.execute(
            f"""SELECT started FROM xero_rate_call
                 WHERE {column} = %s AND started > %s AND (%s::float8 IS NULL OR started <= %s)
              ORDER BY started OFFSET %s LIMIT 1""",  # noqa: S608 - column is ours
            (value, after, until, until, max(0, offset)))
        row = cr.fetchone()
        return row[0] if row else None
