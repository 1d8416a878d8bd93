"""Xero's API rate limits, per organisation and per app, on the emulator clock.

* minute: calls per tenant in a rolling 60 s window (default 60)
* day: calls per tenant in a rolling 24 h window (default 5,000; 1,000 for Starter)
* concurrent: requests in flight per tenant (default 5)
* app_minute: calls per app across all tenants in a rolling 60 s window (default 10,000)

A refused call answers 429 with ``Retry-After`` and ``X-Rate-Limit-Problem``; refused calls
do not consume the windows.  Every accounting response carries the remaining counts.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict, deque

from .state import Clock


class TenantCounters:
    """Counters reported by ``Emulator.counters()`` for one tenant."""

    def __init__(self):
        self.total = 0
        self.max_per_minute = 0
        self.max_concurrent = 0
        self.rejected = defaultdict(int)
        self.by_route = defaultdict(int)

    def as_dict(self) -> dict:
        """JSON form."""
        return {
            "total_calls": self.total,
            "max_calls_per_minute": self.max_per_minute,
            "max_concurrent": self.max_concurrent,
            "rate_limited": dict(self.rejected),
            "calls_by_route": dict(self.by_route),
        }


class RateLimiter:
    """Sliding-window limiter; thread-safe (its own lock, not the state lock)."""

    def __init__(self, clock: Clock, limits: dict):
        self.clock = clock
        self.limits = limits
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget all windows and counters."""
        with getattr(self, "lock", threading.Lock()):
            self.minute: dict[str, deque] = defaultdict(deque)
            self.day: dict[str, deque] = defaultdict(deque)
            self.app: dict[str, deque] = defaultdict(deque)
            self.in_flight: dict[str, int] = defaultdict(int)
            self.counters: dict[str, TenantCounters] = defaultdict(TenantCounters)

    @staticmethod
    def _trim(window: deque, cutoff: float) -> None:
        while window and window[0] <= cutoff:
            window.popleft()

    def acquire(self, tenant_id: str, client_id: str, route: str):
        """Count one call. Returns (ok, headers, problem, retry_after)."""
        now = self.clock.now()
        lim = self.limits
        with self.lock:
            c = self.counters[tenant_id]
            c.total += 1
            c.by_route[route] += 1
            mw, dw, aw = self.minute[tenant_id], self.day[tenant_id], self.app[client_id]
            self._trim(mw, now - 60)
            self._trim(dw, now - 86400)
            self._trim(aw, now - 60)
            problem, retry = None, 0
            if len(dw) >= lim["day"]:
                problem, retry = "day", (dw[0] if dw else now) + 86400 - now
            elif len(aw) >= lim["app_minute"]:
                problem, retry = "appminute", (aw[0] if aw else now) + 60 - now
            elif len(mw) >= lim["minute"]:
                problem, retry = "minute", (mw[0] if mw else now) + 60 - now
            elif self.in_flight[tenant_id] >= lim["concurrent"]:
                problem, retry = "concurrent", 1
            if problem is None:
                mw.append(now)
                dw.append(now)
                aw.append(now)
                self.in_flight[tenant_id] += 1
                c.max_per_minute = max(c.max_per_minute, len(mw))
                c.max_concurrent = max(c.max_concurrent, self.in_flight[tenant_id])
            else:
                c.rejected[problem] += 1
            headers = {
                "X-MinLimit-Remaining": str(max(0, lim["minute"] - len(mw))),
                "X-DayLimit-Remaining": str(max(0, lim["day"] - len(dw))),
                "X-AppMinLimit-Remaining": str(max(0, lim["app_minute"] - len(aw))),
            }
            if problem:
                headers["Retry-After"] = str(max(1, math.ceil(retry)))
                headers["X-Rate-Limit-Problem"] = problem
            return problem is None, headers, problem, retry

    def release(self, tenant_id: str) -> None:
        """A call that was admitted by ``acquire`` has finished."""
        with self.lock:
            self.in_flight[tenant_id] = max(0, self.in_flight[tenant_id] - 1)

    def count_rejected(self, tenant_id: str, problem: str) -> None:
        """Record an injected 429 in the counters."""
        with self.lock:
            self.counters[tenant_id].rejected[problem] += 1

    def snapshot(self) -> dict:
        """Counters per tenant."""
        with self.lock:
            return {tid: c.as_dict() for tid, c in self.counters.items()}
