"""The request log: every API request the emulator received (OAuth, identity, Accounting; never
the /_emulator admin API), newest last, bounded.

Tests read it to prove that nothing reached "Xero" (``emu.requests(since=mark) == []``) or that a
retried request carried exactly the same bytes as the first one (same ``body_sha256`` under the
same ``idempotency_key``).
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque

from .util import ms_date
from .wire import Request, Response

DEFAULT_SIZE = 10_000


class RequestLog:
    """A bounded, thread-safe list of request records; ``seq`` keeps growing across ``clear``."""

    def __init__(self, clock, size: int = DEFAULT_SIZE):
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: deque[dict] = deque(maxlen=size)
        self._seq = 0

    def record(self, req: Request, resp: Response | None) -> dict:
        """Log one request with the status answered (None: connection dropped unanswered; 500: crash)."""
        now = self.clock.now()
        if resp is None:
            status = 500  # the HTTP layer answers 500 when a handler raised
        else:
            status = None if resp.drop else resp.status
        entry = {
            "time": now,
            "time_utc": ms_date(int(now * 1000)),
            "method": req.method,
            "path": req.path,
            "query": req.query_string,
            "tenant_id": req.header("xero-tenant-id"),
            "idempotency_key": req.header("Idempotency-Key"),
            "body_sha256": hashlib.sha256(req.body or b"").hexdigest(),
            "body_length": len(req.body or b""),
            "response_length": len(resp.body or b"") if resp is not None and not resp.drop else 0,
            "status": status,
        }
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._entries.append(entry)
        return entry

    def entries(self, since: int | None = None) -> list[dict]:
        """Copies of the records, oldest first; ``since``: only those with ``seq`` above it."""
        with self._lock:
            return [dict(e) for e in self._entries if since is None or e["seq"] > since]

    def clear(self) -> None:
        """Forget every record (sequence numbers are never reused)."""
        with self._lock:
            self._entries.clear()
