"""Errors raised by :mod:`.client`, classified the way callers act on them."""


class XeroError(Exception):
    """Base class. ``status`` is the HTTP status (0 when no answer came)."""

    retryable = False

    def __init__(self, message, status=0, body=None, headers=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body
        self.headers = headers or {}


class XeroRetryableError(XeroError):
    """Transient: 5xx, timeout, dropped connection. Safe to try again later
    (every write carries an Idempotency-Key)."""

    retryable = True


class XeroRateLimitError(XeroRetryableError):
    """429 that outlived the client's own waiting. ``retry_after`` seconds."""

    def __init__(self, message, retry_after=60, problem=None, **kw):
        super().__init__(message, status=429, **kw)
        self.retry_after = retry_after
        self.problem = problem


class XeroDayLimitError(XeroRateLimitError):
    """The organisation's daily call budget is spent: stop the run cleanly."""


class XeroAuthError(XeroError):
    """The grant is gone (invalid_grant, revoked, connection deleted in Xero):
    the connection must be reconnected by an administrator."""


class XeroPermissionError(XeroAuthError):
    """Xero refused a call for a missing permission — a scope the
    authorisation did not grant (401 ``insufficient_scope``) or the Xero
    user's role — while the organisation is still connected: only what
    needs that permission fails; reconnecting grants it. ``scope`` names
    the scope when Xero said which."""

    def __init__(self, message, scope=None, **kw):
        super().__init__(message, **kw)
        self.scope = scope


class XeroValidationError(XeroError):
    """Xero rejected the request itself (400 with validation errors)."""

    def __init__(self, message, errors=None, **kw):
        super().__init__(message, **kw)
        self.errors = errors or []


class XeroNotFoundError(XeroError):
    """404: the object does not exist (any more) in Xero."""


class XeroMappingError(Exception):
    """An Odoo value has no Xero counterpart yet (account, tax, tracking,
    currency...). Raised while building a payload: the one document is held
    back with this message, the rest of the batch goes on. No call was made."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
