"""The ``Emulator``: owns the state, the HTTP server thread and all services."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from . import admin, identity
from .accounting import PREFIX, Accounting
from .demo import DEMO
from .faults import Faults
from .oauth import OAuth
from .ratelimit import RateLimiter
from .reqlog import RequestLog
from .server import EmulatorServer
from .state import Org, Store
from .util import new_id
from .webhooks import Webhooks
from .wire import Request, Response, json_response, text_response

log = logging.getLogger("xero_emulator")


class Emulator:
    """A local Xero: OAuth2 + identity + Accounting API on one base URL."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        state_file=None,
        demo: bool = True,
        validate: bool = False,
        day_limit: int = 5000,
        verbose: bool = False,
        autosave_seconds: float = 5.0,
    ):
        self.host = host
        self.port = port
        self.state_file = Path(state_file) if state_file else None
        self.validate = validate
        self.verbose = verbose
        self.autosave_seconds = autosave_seconds
        self.store = Store(day_limit)
        self.oauth = OAuth(self.store)
        self.limiter = RateLimiter(self.store.clock, self.store.limits)
        self.faults = Faults()
        self.webhooks = Webhooks(self.store)
        self.request_log = RequestLog(self.store.clock)
        self.accounting = Accounting(self)
        self.spec = None
        self._violations: list[dict] = []
        self._violations_lock = threading.Lock()
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None
        self._stop_saver = threading.Event()
        self._saver: threading.Thread | None = None
        if validate:
            from .spec import SpecValidator

            self.spec = SpecValidator()
        if self.state_file and self.state_file.exists():
            self.store.load(self.state_file)
            self.store.limits["day"] = day_limit  # the command line wins over the saved value
            self.limiter.limits = self.store.limits
            if DEMO.client_id not in self.store.apps:
                self.oauth.register_demo_app()
        else:
            self.reset(demo=demo)

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> Emulator:
        """Serve in a daemon thread; returns once the socket is listening."""
        self._server = EmulatorServer((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="xero-emulator-http", daemon=True)
        self._thread.start()
        if self.state_file:
            self._stop_saver.clear()
            self._saver = threading.Thread(target=self._autosave, name="xero-emulator-autosave", daemon=True)
            self._saver.start()
        return self

    @property
    def base_url(self) -> str:
        """``http://host:port`` without trailing slash."""
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        """Stop serving and save the state file (if any)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._stop_saver.set()
        self.webhooks.stop()
        if self.state_file:
            self.save()

    def save(self) -> None:
        """Write the state file now."""
        if self.state_file:
            self.store.save(self.state_file)

    def _autosave(self) -> None:
        while not self._stop_saver.wait(self.autosave_seconds):
            if self.store.dirty:
                try:
                    self.save()
                except OSError as exc:
                    log.error("could not save state to %s: %s", self.state_file, exc)

    # -- control API (mirrored under /_emulator) -------------------------------------------
    def reset(self, demo: bool = True) -> None:
        """Wipe everything (orgs, apps, tokens, data, faults, counters, clock) and reload the demo."""
        with self.store.lock:
            self.store.clear()
            self.limiter.limits = self.store.limits
            self.oauth.register_demo_app()
            if demo:
                org = Org(DEMO.tenant_id, DEMO.tenant_name, self.store.clock.now_ms(), is_demo=True)
                self.store.orgs[org.tenant_id] = org
        self.limiter.reset()
        self.faults.clear()
        self.webhooks.reset()
        self.request_log.clear()
        self.clear_spec_violations()

    def advance_clock(self, seconds: float) -> None:
        """Move the emulator clock forward (tokens, rate windows, UpdatedDateUTC...)."""
        with self.store.lock:
            self.store.clock.advance(seconds)

    def issue_token(self, client_id: str = DEMO.client_id, tenant_ids=None, scopes=None) -> dict:
        """A token response as after consent, plus ``tenant_ids``."""
        return self.oauth.issue_token(client_id, tenant_ids, scopes)

    def add_organisation(self, name: str) -> str:
        """Create another organisation with the demo content; returns its tenant id."""
        with self.store.lock:
            org = Org(new_id(), name, self.store.clock.now_ms())
            self.store.orgs[org.tenant_id] = org
            self.store.dirty = True
            return org.tenant_id

    def register_app(self, client_id: str, client_secret: str, redirect_uris) -> None:
        """Register an OAuth app (exact redirect URI matching)."""
        self.oauth.register_app(client_id, client_secret, redirect_uris)

    def inject_fault(
        self,
        mode: str,
        count: int = 1,
        method: str | None = None,
        path: str | None = None,
        timeout_seconds: float = 35.0,
        delay_seconds: float = 1.0,
    ) -> None:
        """Make the next ``count`` matching accounting requests fail (see faults.py)."""
        self.faults.add(mode, count, method, path, timeout_seconds, delay_seconds)

    def set_limits(
        self,
        minute: int | None = None,
        day: int | None = None,
        concurrent: int | None = None,
        app_minute: int | None = None,
    ) -> None:
        """Change rate limits; arguments left as None keep their current value."""
        with self.store.lock:
            for key, value in (
                ("minute", minute),
                ("day", day),
                ("concurrent", concurrent),
                ("app_minute", app_minute),
            ):
                if value is not None:
                    self.store.limits[key] = int(value)

    def register_webhook(self, url: str, key: str) -> None:
        """Deliver CONTACT/INVOICE/CREDITNOTE events to ``url`` signed with ``key``."""
        self.webhooks.register(url, key)

    def send_intent_to_receive(self, url: str | None = None, key: str | None = None) -> list[dict]:
        """Intent-to-receive handshake; each result says whether the receiver answered 200 and 401."""
        return self.webhooks.intent_to_receive(url, key)

    def dump(self) -> dict:
        """Everything stored, per tenant."""
        with self.store.lock:
            return json.loads(json.dumps({tid: org.dump() for tid, org in self.store.orgs.items()}))

    def counters(self) -> dict:
        """Per tenant: total calls, max calls/minute, max concurrency, 429s by problem, calls by route."""
        return self.limiter.snapshot()

    def requests(self, since: int | None = None) -> list[dict]:
        """API requests received (not /_emulator ones), oldest first, the last 10,000 at most.

        Each: ``seq``, ``time`` (emulator clock, epoch seconds), ``time_utc``, ``method``, ``path``,
        ``query`` (raw), ``tenant_id``, ``idempotency_key``, ``body_sha256``, ``body_length``,
        ``response_length`` (bytes of the answer's body) and ``status`` (None when the connection
        was dropped unanswered).  ``since``: a ``seq`` seen before; only later requests are returned.
        """
        return self.request_log.entries(since)

    def spec_violations(self) -> list[dict]:
        """Spec violations recorded in validate mode."""
        with self._violations_lock:
            return list(self._violations)

    def clear_spec_violations(self) -> None:
        """Forget recorded spec violations."""
        with self._violations_lock:
            self._violations.clear()

    # -- request handling ----------------------------------------------------------------
    def dispatch(self, req: Request) -> Response:
        """Route a request to the admin API, or serve it and log it (OAuth, identity, Accounting)."""
        if req.path.lower().startswith("/_emulator"):
            return admin.handle(self, req)
        resp = None
        try:
            resp = self._serve(req)
            return resp
        finally:
            self.request_log.record(req, resp)

    def _serve(self, req: Request) -> Response:
        """OAuth/identity or the Accounting API."""
        path = req.path
        low = path.lower()
        if low.rstrip("/") in ("/identity/connect/authorize", "/connect/authorize"):
            return self.oauth.authorize(req) if req.method in ("GET", "POST") else _method_not_allowed()
        if low.rstrip("/") in ("/connect/token", "/identity/connect/token"):
            return self.oauth.token(req) if req.method == "POST" else _method_not_allowed()
        if low.rstrip("/") in ("/connect/revocation", "/identity/connect/revocation"):
            return self.oauth.revocation(req) if req.method == "POST" else _method_not_allowed()
        if low.rstrip("/") == "/connections" or low.startswith("/connections/"):
            conn_id = path.rstrip("/").split("/")[2] if low.startswith("/connections/") else None
            resp = identity.connections(self.oauth, req, conn_id)
            if self.spec is not None and self.validate and resp.status == 200:
                self._record("identity", req.method, "/Connections", None, resp)
            return resp
        if path.startswith(PREFIX + "/") or path == PREFIX:
            return self.accounting.handle(req)
        return text_response(404, "The resource you're looking for cannot be found")

    def check_spec(self, req: Request, resp: Response) -> None:
        """In validate mode, check the request body and the JSON response of an accounting call."""
        if self.spec is None or not self.validate:
            return
        body = None
        if req.body and "json" in (req.header("Content-Type") or "application/json"):
            try:
                body = req.json()
            except ValueError:
                body = None
        self._record("accounting", req.method, req.spec_path, body, resp)

    def _record(self, api: str, method: str, path: str, body, resp: Response) -> None:
        problems = []
        if body is not None:
            problems += [("request", e) for e in self.spec.validate_request(api, method, path, body)]
        if resp.data is not None and resp.content_type.startswith("application/json"):
            sent = json.loads(resp.body)  # what went over the wire, not the (shared) stored objects
            problems += [
                (f"response {resp.status}", e)
                for e in self.spec.validate_response(api, method, path, resp.status, sent)
            ]
        if problems:
            with self._violations_lock:
                self._violations.extend(
                    {"operation": f"{method} {path}", "part": part, "error": err} for part, err in problems
                )

    def validate_webhook_payload(self, payload: dict) -> list[str]:
        """Errors of a webhook payload against xero-webhooks.yaml (validate mode only)."""
        if self.spec is None:
            return []
        return self.spec.validate_schema("webhooks", "WebhookEvent", payload)


def _method_not_allowed() -> Response:
    return json_response(405, {"error": "method_not_allowed"})
