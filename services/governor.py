"""Keeps the calls of one process inside Xero's limits, per organisation.

Odoo's tests use it; a running Odoo shares the limits of every process of
its database through :mod:`.shared_governor` instead.

Xero allows 60 calls per rolling minute, 5 in flight at once and a daily
budget (5,000, or 1,000 on the Starter tier) per organisation. The governor
waits *before* a call rather than collecting 429s after it: a sliding window
of call times gives the minute limit, a semaphore the concurrency limit, and
the ``X-MinLimit-Remaining`` / ``X-DayLimit-Remaining`` headers of every
answer correct its view when another process spent calls too.
"""

import threading
import time
from collections import deque

MINUTE_LIMIT = 60
CONCURRENT_LIMIT = 5
WINDOW = 60.0
#: a call is counted from when it starts here, Xero counts it from when it
#: arrives there: keep each call in our window this much longer, so a call
#: never starts while Xero still counts the one it replaces
MARGIN = 1.0


class TenantBudget:
    """Limits of one organisation as seen by this process."""

    def __init__(self, minute_limit=MINUTE_LIMIT, concurrent=CONCURRENT_LIMIT):
        self.minute_limit = minute_limit
        self.calls = deque()
        self.lock = threading.Lock()
        self.slots = threading.BoundedSemaphore(concurrent)
        self.min_remaining = None
        self.min_remaining_at = 0.0
        self.blocked_until = 0.0

    def _prune(self, now):
        """Forget our calls that left the window. Each one also gives back the
        place it took in Xero's last ``X-MinLimit-Remaining`` (counted there, or
        taken off it when it started), so a minute Xero reported spent by our
        own calls frees up call by call instead of a whole minute later; what
        Xero reported is forgotten once a full window has passed since."""
        while self.calls and now - self.calls[0] >= WINDOW + MARGIN:
            started = self.calls.popleft()
            if self.min_remaining is not None and started > self.min_remaining_at - WINDOW:
                self.min_remaining += 1  # (a call already out of Xero's window then was not in its count)
        if self.min_remaining is not None and now - self.min_remaining_at >= WINDOW:
            self.min_remaining = None

    def wait_time(self, now):
        """Seconds to wait before the next call may start (0 when it may go)."""
        self._prune(now)
        wait = max(0.0, self.blocked_until - now)
        if len(self.calls) >= self.minute_limit:
            wait = max(wait, WINDOW + MARGIN - (now - self.calls[0]))
        if self.min_remaining is not None and self.min_remaining <= 0:
            # Xero says the minute is spent: by our own calls, a place frees
            # when the next of them leaves the window (see _prune); by another
            # process's, only once everything Xero counted then has left it
            report_expires = WINDOW - (now - self.min_remaining_at)
            # which of our calls must leave first: those Xero had already
            # forgotten when it answered give nothing back
            uncounted = sum(1 for started in self.calls if started <= self.min_remaining_at - WINDOW)
            freeing = uncounted - self.min_remaining
            if freeing < len(self.calls):
                report_expires = min(report_expires, WINDOW + MARGIN - (now - self.calls[freeing]))
            wait = max(wait, report_expires)
        return wait


class RateGovernor:
    """Process-wide registry of :class:`TenantBudget`, one per tenant id."""

    def __init__(self, minute_limit=MINUTE_LIMIT, concurrent=CONCURRENT_LIMIT,
                 clock=time.monotonic, sleep=time.sleep):
        self.minute_limit = minute_limit
        self.concurrent = concurrent
        self.clock = clock
        self.sleep = sleep
        self._budgets = {}
        self._lock = threading.Lock()
        self.waited = 0.0

    def budget(self, tenant_id):
        with self._lock:
            if tenant_id not in self._budgets:
                self._budgets[tenant_id] = TenantBudget(self.minute_limit, self.concurrent)
            return self._budgets[tenant_id]

    def acquire(self, tenant_id, app=None):
        """Block until a call for ``tenant_id`` may start; return its budget.

        The caller must call :meth:`release` with the response headers.
        ``app`` is not used here: one process never comes near Xero's
        app-wide limit alone (the shared governor counts it)."""
        budget = self.budget(tenant_id)
        budget.slots.acquire()
        while True:
            with budget.lock:
                now = self.clock()
                wait = budget.wait_time(now)
                if wait <= 0:
                    budget.calls.append(now)
                    if budget.min_remaining is not None:
                        budget.min_remaining -= 1
                    return budget
            self.waited += wait
            self.sleep(min(wait, WINDOW))

    def release(self, budget, headers=None):
        """Free the concurrency slot and learn the limits Xero reported."""
        try:
            headers = {k.lower(): v for k, v in (headers or {}).items()}
            with budget.lock:
                now = self.clock()
                if "x-minlimit-remaining" in headers:
                    budget.min_remaining = _int(headers["x-minlimit-remaining"])
                    budget.min_remaining_at = now
        finally:
            budget.slots.release()

    def back_off(self, tenant_id, seconds, app=None):
        """After a 429: nobody calls this tenant for ``seconds`` (an app-wide
        429 holds back this tenant's calls here, ``app`` aside)."""
        budget = self.budget(tenant_id)
        with budget.lock:
            budget.blocked_until = max(budget.blocked_until, self.clock() + seconds)

    def reset(self):
        """Forget every budget (a test whose Xero was reset starts afresh)."""
        with self._lock:
            self._budgets.clear()
            self.waited = 0.0


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


#: The governor shared by every client of this process.
GOVERNOR = RateGovernor()
