"""Webhook delivery: Xero's event payload, signed with x-xero-signature, sent from a
background thread in small batches, retried with backoff when the receiver does not
answer 200; plus the intent-to-receive handshake."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import queue
import secrets
import string
import threading
import time
import urllib.error
import urllib.request

from .util import iso_utc

log = logging.getLogger(__name__)


def sign(body: bytes, key: str) -> str:
    """base64(HMAC-SHA256(body, key)) — the x-xero-signature header value."""
    return base64.b64encode(hmac.new(key.encode("utf-8"), body, hashlib.sha256).digest()).decode()


def entropy() -> str:
    """Random upper-case string as in Xero's payloads."""
    return "".join(secrets.choice(string.ascii_uppercase) for _ in range(20))


def post(url: str, body: bytes, signature: str, timeout: float = 5.0) -> int:
    """POST a payload; returns the HTTP status (0 when the receiver could not be reached)."""
    if not url.lower().startswith(("http://", "https://")):
        log.warning("webhook URL %s is not http(s); not delivered", url)
        return 0
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "x-xero-signature": signature,
            "User-Agent": "Xero-Webhooks-Emulator",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310 - scheme checked above
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError) as exc:
        log.info("webhook delivery to %s failed: %s", url, exc)
        return 0


class Webhooks:
    """Subscriptions live in ``store.webhooks``; this class owns the delivery thread."""

    def __init__(self, store, batch_size: int = 10, batch_window: float = 0.1, retry_delays=(0.5, 1.0, 2.0, 4.0)):
        self.store = store
        self.batch_size = batch_size
        self.batch_window = batch_window
        self.retry_delays = tuple(retry_delays)
        self.queue: queue.Queue = queue.Queue()
        self.lock = threading.Lock()
        self.deliveries: list[dict] = []
        self.sequence = 0
        self.busy = 0
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

    # -- subscriptions -------------------------------------------------------------------
    def register(self, url: str, key: str) -> dict:
        """Add (or replace) a subscription for a URL."""
        with self.store.lock:
            self.store.webhooks = [w for w in self.store.webhooks if w["url"] != url]
            sub = {"url": url, "key": key}
            self.store.webhooks.append(sub)
            self.store.dirty = True
        self._ensure_thread()
        return sub

    def reset(self) -> None:
        """Drop pending events and delivery records."""
        with self.lock:
            while not self.queue.empty():
                try:
                    self.queue.get_nowait()
                except queue.Empty:
                    break
            self.deliveries = []
            self.sequence = 0

    # -- events --------------------------------------------------------------------------
    def enqueue(self, tenant_id: str, events, base_url: str) -> None:
        """Queue events produced by one committed request."""
        if not self.store.webhooks:
            return
        for category, kind, resource, oid, data in events:
            event = {
                "resourceUrl": f"{base_url}/api.xro/2.0/{resource}/{oid}",
                "resourceId": oid,
                "tenantId": tenant_id,
                "tenantType": "ORGANISATION",
                "eventCategory": category,
                "eventType": kind,
                "eventDateUtc": iso_utc(self.store.clock.now())[:23],
            }
            if category == "CREDITNOTE" and data:
                event["data"] = dict(data)
            self.queue.put(event)
        self._ensure_thread()

    def _ensure_thread(self) -> None:
        if self.thread is None or not self.thread.is_alive():
            self.stopped.clear()
            self.thread = threading.Thread(target=self._run, name="xero-emulator-webhooks", daemon=True)
            self.thread.start()

    def stop(self) -> None:
        """Stop the delivery thread."""
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(timeout=2)

    def _run(self) -> None:
        while not self.stopped.is_set():
            try:
                first = self.queue.get(timeout=0.2)
            except queue.Empty:
                continue
            with self.lock:
                self.busy += 1
            try:
                batch = [first]
                deadline = time.monotonic() + self.batch_window
                while len(batch) < self.batch_size:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    try:
                        batch.append(self.queue.get(timeout=remaining))
                    except queue.Empty:
                        break
                self._deliver(batch)
            finally:
                with self.lock:
                    self.busy -= 1

    def _deliver(self, events: list[dict]) -> None:
        with self.store.lock:
            subs = [dict(w) for w in self.store.webhooks]
        for sub in subs:
            with self.lock:
                first = self.sequence + 1
                self.sequence += len(events)
                last = self.sequence
            payload = {"events": events, "firstEventSequence": first, "lastEventSequence": last, "entropy": entropy()}
            body = json.dumps(payload, separators=(",", ":")).encode()
            signature = sign(body, sub["key"])
            record = {"url": sub["url"], "payload": payload, "attempts": [], "delivered": False}
            with self.lock:
                self.deliveries.append(record)
            for attempt, delay in enumerate((0.0, *self.retry_delays)):
                if delay and self.stopped.wait(delay):
                    return
                status = post(sub["url"], body, signature)
                record["attempts"].append(status)
                if status == 200:
                    record["delivered"] = True
                    break
                log.info("webhook attempt %d to %s answered %s", attempt + 1, sub["url"], status)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued event has been delivered or given up; True when idle."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                idle = self.queue.empty() and self.busy == 0
            if idle:
                return True
            time.sleep(0.02)
        return False

    def records(self) -> list[dict]:
        """Delivery records (payload, attempt statuses, delivered flag)."""
        with self.lock:
            return [dict(r, attempts=list(r["attempts"])) for r in self.deliveries]

    # -- intent to receive ---------------------------------------------------------------
    def intent_to_receive(self, url: str | None = None, key: str | None = None) -> list[dict]:
        """Send a correctly signed and a wrongly signed empty payload to each subscription.

        The receiver passes when it answers 200 to the first and 401 to the second.
        """
        with self.store.lock:
            subs = [{"url": url, "key": key}] if url else [dict(w) for w in self.store.webhooks]
        results = []
        for sub in subs:
            payload = {"events": [], "firstEventSequence": 0, "lastEventSequence": 0, "entropy": entropy()}
            body = json.dumps(payload, separators=(",", ":")).encode()
            good = post(sub["url"], body, sign(body, sub["key"]))
            bad = post(sub["url"], body, sign(body, sub["key"] + "-wrong"))
            results.append(
                {
                    "url": sub["url"],
                    "correct_signature_status": good,
                    "wrong_signature_status": bad,
                    "ok": good == 200 and bad == 401,
                }
            )
        return results
