"""Fault injection: make the next N matching accounting requests fail in a chosen way.

Modes: ``500``, ``503`` (Xero-like error bodies), ``timeout`` (hold the request
``timeout_seconds`` then close without answering), ``429`` (Retry-After 1, problem
``minute``), ``drop_after_commit`` (process and commit, then close without answering) and
``delay`` (wait ``delay_seconds`` then process normally; handy for concurrency tests).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

MODES = ("500", "503", "timeout", "429", "drop_after_commit", "delay")


@dataclass
class Fault:
    """One injected fault rule."""

    mode: str
    count: int = 1
    method: str | None = None
    path: str | None = None
    timeout_seconds: float = 35.0
    delay_seconds: float = 1.0

    def matches(self, method: str, path: str) -> bool:
        """Whether a request matches this rule (path is a regex searched in the URL path)."""
        if self.method and self.method.upper() != method.upper():
            return False
        return not self.path or re.search(self.path, path) is not None

    def as_dict(self) -> dict:
        """JSON form."""
        return {
            "mode": self.mode,
            "count": self.count,
            "method": self.method,
            "path": self.path,
            "timeout_seconds": self.timeout_seconds,
            "delay_seconds": self.delay_seconds,
        }


class Faults:
    """Thread-safe list of pending fault rules."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rules: list[Fault] = []

    def add(
        self,
        mode: str,
        count: int = 1,
        method: str | None = None,
        path: str | None = None,
        timeout_seconds: float = 35.0,
        delay_seconds: float = 1.0,
    ) -> Fault:
        """Register a rule; raises ValueError for an unknown mode or bad regex."""
        mode = str(mode)
        if mode not in MODES:
            raise ValueError(f"unknown fault mode {mode!r}; expected one of {MODES}")
        if path:
            re.compile(path)
        fault = Fault(mode, int(count), method, path, float(timeout_seconds), float(delay_seconds))
        with self.lock:
            self.rules.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """Consume one occurrence of the first rule matching this request."""
        with self.lock:
            for fault in self.rules:
                if fault.count > 0 and fault.matches(method, path):
                    fault.count -= 1
                    if fault.count <= 0:
                        self.rules.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        """Drop all rules."""
        with self.lock:
            self.rules.clear()

    def pending(self) -> list[dict]:
        """Rules still waiting."""
        with self.lock:
            return [f.as_dict() for f in self.rules]
