"""The one place that talks HTTP to Xero.

Every Accounting and Identity call goes through xero-python's API classes,
pointed at the configured base URLs, with a timeout, through the process
:data:`~.governor.GOVERNOR` (60 calls/minute, 5 in flight per organisation),
retried with backoff on 429/5xx/timeouts, and refreshed once on a 401.

Payloads are plain dicts in Xero's JSON shape (what the mappers build and
what golden files hold); answers come back as decoded JSON dicts. Errors are
raised as the classes of :mod:`.errors` so callers can tell what to retry.
"""

import base64
import hashlib
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import urllib3

from .errors import (
    XeroAuthError,
    XeroDayLimitError,
    XeroError,
    XeroNotFoundError,
    XeroPermissionError,
    XeroRateLimitError,
    XeroRetryableError,
    XeroValidationError,
)
from .governor import GOVERNOR

try:
    from xero_python.accounting import AccountingApi
    from xero_python.api_client import ApiClient
    from xero_python.api_client.configuration import Configuration
    from xero_python.api_client.oauth2 import OAuth2Token
    from xero_python.exceptions import ApiException
    from xero_python.identity import IdentityApi
except ImportError:  # pragma: no cover - declared in external_dependencies
    AccountingApi = ApiClient = Configuration = OAuth2Token = None
    ApiException = IdentityApi = None

_logger = logging.getLogger(__name__)


class JsonBody(dict):
    """A request body that is plain JSON already (what the outbox stored and
    parsed back): xero-python sends it as it is, instead of walking it with
    its model serializer, which costs a tenth of a send's CPU for the same
    bytes (a dict of JSON values serializes to itself)."""


def _as_is(value, explicit_type=None):
    return value


if AccountingApi is not None:
    from xero_python.api_client.serializer import serialize

    serialize.register("JsonBody")(_as_is)

REAL_API_URL = "https://api.xero.com"
REAL_IDENTITY_URL = "https://identity.xero.com"
REAL_LOGIN_URL = "https://login.xero.com"
DEFAULT_TIMEOUT = 30
RETRY_STATUSES = (500, 502, 503, 504)


@dataclass
class XeroConfig:
    """Where and as whom to call. URLs have no trailing slash."""

    client_id: str
    client_secret: str
    tenant_id: str = ""
    api_url: str = REAL_API_URL
    identity_url: str = REAL_IDENTITY_URL
    login_url: str = REAL_LOGIN_URL
    timeout: int = DEFAULT_TIMEOUT  # xero-python ignores a float timeout: whole seconds

    @property
    def accounting_url(self):
        return self.api_url.rstrip("/") + "/api.xro/2.0"

    @property
    def token_url(self):
        return self.identity_url.rstrip("/") + "/connect/token"

    @property
    def revocation_url(self):
        return self.identity_url.rstrip("/") + "/connect/revocation"

    @property
    def authorize_url(self):
        return self.login_url.rstrip("/") + "/identity/connect/authorize"


@dataclass
class XeroResponse:
    data: dict
    status: int
    headers: dict


class StaticTokens:
    """Token source for code that already holds a valid access token
    (the OAuth callback before a connection exists, benchmarks, tests)."""

    def __init__(self, access_token):
        self.token = access_token

    def access_token(self):
        return self.token

    def refresh(self, failed_token):
        raise XeroAuthError("The access token was refused and cannot be refreshed.", status=401)


def pkce_pair():
    """Return ``(verifier, challenge)`` for PKCE S256."""
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return verifier, challenge


class XeroClient:
    """HTTP client of one Xero connection.

    ``tokens`` provides ``access_token()`` (a valid token, refreshed by its
    owner under a lock when close to expiry) and ``refresh(failed_token)``
    (called once when Xero answers 401). The Odoo connection model is the
    production implementation; :class:`StaticTokens` serves the rest.
    """

    def __init__(self, config, tokens=None, governor=GOVERNOR, max_retries=5,
                 sleep=time.sleep, max_wait=120, on_refused=None):
        self.config = config
        self.tokens = tokens
        #: ``on_refused(token, error) -> bool``: asked when Xero refuses an
        #: accounting call (401/403) with a valid token; True when the
        #: organisation is still connected, which makes the refusal a missing
        #: permission rather than a lost grant
        self.on_refused = on_refused
        self.governor = governor
        self.max_retries = max_retries
        self.sleep = sleep
        self.max_wait = max_wait
        self.calls = 0
        self.day_remaining = None
        self._current_token = None
        self.api_client = self._make_api_client()
        self.accounting_api = AccountingApi(self.api_client, base_url=config.accounting_url)
        self.identity_api = IdentityApi(self.api_client, base_url=config.api_url.rstrip("/"))

    # ------------------------------------------------------------------ setup
    def _make_api_client(self):
        token = OAuth2Token(client_id=self.config.client_id, client_secret=self.config.client_secret)
        api_client = ApiClient(Configuration(oauth2_token=token), pool_threads=1)
        # xero-python never refreshes by itself: tokens carry no expiry here,
        # refreshing is the token owner's job (under its row lock).
        api_client.oauth2_token_getter(lambda: {
            "access_token": self._current_token or "", "token_type": "Bearer",
            "scope": [], "expires_in": None, "expires_at": None})
        api_client.oauth2_token_saver(lambda token: None)
        # urllib3 would silently resend a PUT whose answer was lost: the
        # retry policy is ours (connect errors only are safe to repeat here).
        # Nor may urllib3 follow Retry-After on 429/503 by itself: those calls
        # would bypass the governor, and a daily 429 would come back as a
        # "too many 429 error responses" connection error instead of a stop.
        api_client.rest_client.pool_manager.connection_pool_kw["retries"] = urllib3.Retry(
            total=2, connect=2, read=0, status=0, redirect=0, other=0,
            # a 429/503 must reach us (with its headers), not be slept on by urllib3
            respect_retry_after_header=False, raise_on_status=False,
        )
        return api_client

    # ------------------------------------------------------------------ OAuth
    def authorization_url(self, redirect_uri, scopes, state, code_challenge):
        query = {
            "response_type": "code",
            "client_id": self.config.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(scopes),
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.config.authorize_url}?{urlencode(query)}"

    def exchange_code(self, code, redirect_uri, code_verifier):
        """Authorization code (+ PKCE verifier) → token dict."""
        return self._token_call(self.config.token_url, {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        })

    def refresh_token(self, refresh_token):
        """Refresh token → new token dict (with a new, rotated refresh token)."""
        return self._token_call(self.config.token_url, {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        })

    def revoke(self, refresh_token):
        self._token_call(self.config.revocation_url, {"token": refresh_token}, expect_json=False)

    def _token_call(self, url, params, expect_json=True):
        params = dict(params, client_id=self.config.client_id, client_secret=self.config.client_secret)
        try:
            response, status, _headers = self.api_client.call_api(
                url, "POST",
                header_params={"Accept": "application/json",
                               "Content-Type": "application/x-www-form-urlencoded"},
                post_params=params,
                auth_settings=None,
                _preload_content=False,
                _request_timeout=int(self.config.timeout),
            )
        except ApiException as exc:
            body = _decode(getattr(exc, "body", b""))
            error = body.get("error") if isinstance(body, dict) else None
            if error in ("invalid_grant", "invalid_client", "unauthorized_client"):
                raise XeroAuthError(f"Xero refused the grant ({error}).", status=exc.status, body=body) from exc
            raise _classify(exc) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise XeroRetryableError(f"Xero identity server did not answer: {exc}") from exc
        return _decode(response.data) if expect_json else {"status": status}

    # ------------------------------------------------------------------ calls
    def accounting(self, method, *args, **kwargs):
        """Call ``AccountingApi.<method>(tenant_id, *args, **kwargs)``.

        A refusal the token owner finds to be a missing permission (the
        organisation is still connected) is raised as
        :class:`XeroPermissionError`."""
        try:
            return self._call(self.accounting_api, method, (self.config.tenant_id, *args), kwargs)
        except XeroPermissionError:
            raise
        except XeroAuthError as exc:
            if self.on_refused and exc.status in (401, 403) and self.on_refused(self._current_token, exc):
                raise XeroPermissionError(exc.message, status=exc.status, body=exc.body,
                                          headers=exc.headers) from exc
            raise

    def identity(self, method, *args, **kwargs):
        """Call ``IdentityApi.<method>(*args, **kwargs)`` (connections)."""
        return self._call(self.identity_api, method, args, kwargs, governed=False)

    def _call(self, api, method, args, kwargs, governed=True):
        """Run one API call with governor, retries and one refresh on 401.

        Skips nothing silently: after ``max_retries`` transient failures the
        last one is raised as :class:`XeroRetryableError`; a daily limit is
        raised at once as :class:`XeroDayLimitError` (waiting would not help).
        """
        kwargs = dict(kwargs, _preload_content=False, _return_http_data_only=False,
                      _request_timeout=int(self.config.timeout))
        refreshed = False
        attempt = 0
        tenant = self.config.tenant_id or "identity"
        while True:
            attempt += 1
            if not refreshed:
                self._current_token = self.tokens.access_token()
            budget = self.governor.acquire(tenant, app=self.config.client_id) if governed else None
            headers = {}
            try:
                self.calls += 1
                raw, status, headers = getattr(api, method)(*args, **kwargs)
                headers = dict(headers or {})
                self._learn(headers)
                return XeroResponse(_decode(raw.data), status, headers)
            except ApiException as exc:
                headers = dict(exc.headers or {})
                self._learn(headers)
                error = _classify(exc)
                if exc.status == 401 and not refreshed and not isinstance(error, XeroPermissionError):
                    refreshed = True
                    self._current_token = self.tokens.refresh(self._current_token)
                    continue
                if isinstance(error, XeroDayLimitError):
                    raise error from exc
                if isinstance(error, XeroRateLimitError):
                    app_wide = (error.problem or "").lower().startswith("app")
                    self.governor.back_off(tenant, error.retry_after,
                                           app=self.config.client_id if app_wide else None)
                if not error.retryable or attempt > self.max_retries:
                    raise error from exc
                self._backoff(attempt, error)
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                if attempt > self.max_retries:
                    raise XeroRetryableError(f"Xero did not answer: {exc}") from exc
                self._backoff(attempt, None)
            finally:
                if budget is not None:
                    self.governor.release(budget, headers)

    def _backoff(self, attempt, error):
        if isinstance(error, XeroRateLimitError):
            return  # the governor already holds every caller back
        delay = min(self.max_wait, 0.5 * (2 ** (attempt - 1))) * (0.5 + secrets.randbelow(1000) / 1000)
        self.sleep(delay)

    def _learn(self, headers):
        low = {k.lower(): v for k, v in headers.items()}
        if "x-daylimit-remaining" in low:
            self.day_remaining = _int(low["x-daylimit-remaining"])


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _decode(data):
    if not data:
        return {}
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    try:
        return json.loads(data)
    except ValueError:
        return {"Message": data[:2000]}


def _classify(exc):
    """Turn a xero-python ApiException into one of our errors."""
    status = exc.status or 0
    headers = {k.lower(): v for k, v in dict(exc.headers or {}).items()}
    body = _decode(getattr(exc, "body", None))
    if status == 429:
        problem = headers.get("x-rate-limit-problem", "minute")
        retry_after = _int(headers.get("retry-after")) or 60
        # Xero names the daily limit "day" (xero-python: "per day rate limit")
        if problem.lower() in ("day", "daily"):
            cls, message = XeroDayLimitError, (
                f"Xero's daily API limit for this organisation is spent; it frees up in {retry_after} s.")
        else:
            cls, message = XeroRateLimitError, f"Xero rate limit reached ({problem}); retry after {retry_after} s."
        return cls(message, retry_after=retry_after, problem=problem, body=body, headers=headers)
    if status in RETRY_STATUSES or status == 0:
        return XeroRetryableError(f"Xero is unavailable (HTTP {status}).", status=status, body=body, headers=headers)
    if status in (401, 403):
        detail = body.get("Detail") or body.get("Title") or body.get("Message") or "access refused"
        return _missing_scope(status, headers, body) or XeroAuthError(
            f"Xero refused access (HTTP {status}): {detail}", status=status, body=body, headers=headers)
    if status == 404:
        return XeroNotFoundError("The record no longer exists in Xero.", status=status, body=body, headers=headers)
    if status == 400:
        errors = validation_messages(body)
        return XeroValidationError("; ".join(errors) or body.get("Message") or "Xero rejected the request.",
                                   errors=errors, status=status, body=body, headers=headers)
    return XeroError(f"Unexpected answer from Xero (HTTP {status}).", status=status, body=body, headers=headers)


def _missing_scope(status, headers, body):
    """A :class:`XeroPermissionError` when Xero's 401 says a scope is missing
    (``insufficient_scope``), else None."""
    challenge = headers.get("www-authenticate", "")
    if status != 401 or "insufficient_scope" not in challenge + str(body.get("Detail")):
        return None
    match = re.search(r'scope="([^"]*)"', challenge)
    scope = match.group(1) if match else None
    return XeroPermissionError(f"Xero refused access (HTTP 401): the authorisation lacks the scope {scope or '?'}.",
                               scope=scope, status=status, body=body, headers=headers)


def validation_messages(element):
    """All ``ValidationErrors[].Message`` of a Xero answer or element."""
    messages = []
    if not isinstance(element, dict):
        return messages
    for err in element.get("ValidationErrors") or []:
        if err.get("Message"):
            messages.append(err["Message"])
    for sub in element.get("Elements") or []:
        messages.extend(validation_messages(sub))
    if not messages and element.get("Type") == "ValidationException" and element.get("Message"):
        messages.append(element["Message"])
    return messages


__all__ = [
    "JsonBody",
    "StaticTokens",
    "XeroClient",
    "XeroConfig",
    "XeroError",
    "XeroResponse",
    "pkce_pair",
    "validation_messages",
]
