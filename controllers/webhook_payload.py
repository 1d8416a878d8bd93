"""Reading and checking the body of a webhook delivery, trusting nothing.

Pure functions (no Odoo), used by :mod:`.webhook` once the request has
passed Odoo's routing:

* :func:`read_body` reads at most ``limit + 1`` bytes of the input stream,
  whether the body has a Content-Length or comes chunked, and refuses a
  declared length over the limit without reading anything;
* :func:`parse_events` turns a signed body into the list of events to
  queue, or raises :class:`MalformedPayload` (the route answers 400).
"""

import json
import math
import re

from werkzeug.exceptions import HTTPException

#: Xero's payloads are small (a few hundred bytes per event); anything far
#: bigger is not Xero. 5 MB is still over 15,000 events.
MAX_BODY = 5_000_000
#: bytes read from the stream at a time
READ_CHUNK = 65_536
#: sequence numbers are 32-bit in Xero's specification
MAX_SEQUENCE = 2**31 - 1

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
#: Xero's codes and dates are short printable ASCII: no NUL, control or
#: non-ASCII character (a lone surrogate...) ever reaches the database
_CODE = re.compile(r"[\x20-\x7e]{1,64}")


class BodyRefused(Exception):
    """The body cannot be read; ``status`` is the HTTP answer (400 or 413)."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class MalformedPayload(ValueError):
    """A body that is not Xero's webhook payload (the reason is for the log)."""


# --------------------------------------------------------------------- reading
def read_body(stream, declared_length, limit=MAX_BODY):
    """The raw body, at most ``limit`` bytes; raises :class:`BodyRefused`.

    ``declared_length`` is the request's Content-Length (None when the body
    is chunked or has none): over ``limit`` it is refused (413) before a
    byte is read. Otherwise at most ``limit + 1`` bytes are read, so a
    chunked body (or one longer than it said) costs no more than the limit:
    one byte over is a 413. A broken chunked encoding or a client that
    goes away mid-body is a 400."""
    if declared_length is not None and declared_length > limit:
        raise BodyRefused(413, f"declared length {declared_length} over the limit")
    chunks, size = [], 0
    try:
        while size <= limit:
            chunk = stream.read(min(READ_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except (OSError, ValueError, HTTPException) as exc:
        # werkzeug: OSError for a bad chunk header, ClientDisconnected (400) for a short body
        raise BodyRefused(400, f"body could not be read ({type(exc).__name__})") from exc
    if size > limit:
        raise BodyRefused(413, "body over the limit")
    return b"".join(chunks)


# --------------------------------------------------------------------- parsing
def _object(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise MalformedPayload("duplicate key in an object")
    return obj


def _integer(text):
    if len(text) > 20:  # before int() converts thousands of digits
        raise MalformedPayload("number too large")
    return int(text)


def _float(text):
    value = float(text)
    if not math.isfinite(value):
        raise MalformedPayload("number out of range")
    return value


def _constant(name):
    raise MalformedPayload(f"{name} is not JSON")


def _json(body):
    """The JSON document of ``body`` (strict UTF-8, strict JSON: no duplicate
    keys, no NaN/Infinity, no number beyond 20 digits or out of float range).

    Too deep a nesting stops the C decoder with a RecursionError long before
    memory or the stack suffer: it is a malformed payload like the others."""
    try:
        text = body.decode("utf-8")
        return json.loads(text, object_pairs_hook=_object, parse_int=_integer,
                          parse_float=_float, parse_constant=_constant)
    except MalformedPayload:
        raise
    except UnicodeDecodeError as exc:
        raise MalformedPayload("not UTF-8") from exc
    except RecursionError as exc:
        raise MalformedPayload("nested too deep") from exc
    except ValueError as exc:
        raise MalformedPayload("not JSON") from exc


def _check(value, kind, name, required=False):
    """``value`` has Xero's type ``kind`` (or is absent when not required)."""
    if value is None:
        if required:
            raise MalformedPayload(f"{name} missing")
        return
    if kind == "uuid":
        ok = isinstance(value, str) and _UUID.fullmatch(value)
    elif kind == "code":
        ok = isinstance(value, str) and _CODE.fullmatch(value)
    elif kind == "sequence":
        ok = type(value) is int and 0 <= value <= MAX_SEQUENCE  # not a bool, not a float
    else:
        ok = isinstance(value, kind)
    if not ok:
        raise MalformedPayload(f"{name} is not valid")


def parse_events(body):
    """The events of a webhook payload, each reduced to the keys the addon
    uses (``eventCategory``, ``eventType``, ``resourceId``, ``tenantId``,
    ``eventDateUtc``); raises :class:`MalformedPayload`.

    The payload must be an object whose ``events`` is a list of objects.
    Each event needs what the addon acts on: a UUID ``resourceId``, a UUID
    ``tenantId`` and an ``eventCategory``. Every other field of Xero's
    specification must have its type when present (codes and dates are short
    printable ASCII, sequences 32-bit integers); unknown fields are ignored.
    One bad event refuses the whole payload: a body Xero signed is never
    malformed, so it is not from Xero."""
    payload = _json(body)
    if not isinstance(payload, dict):
        raise MalformedPayload("not an object")
    _check(payload.get("events"), list, "events", required=True)
    _check(payload.get("firstEventSequence"), "sequence", "firstEventSequence")
    _check(payload.get("lastEventSequence"), "sequence", "lastEventSequence")
    _check(payload.get("entropy"), str, "entropy")
    events = []
    for event in payload["events"]:
        if not isinstance(event, dict):
            raise MalformedPayload("an event is not an object")
        _check(event.get("resourceId"), "uuid", "resourceId", required=True)
        _check(event.get("tenantId"), "uuid", "tenantId", required=True)
        _check(event.get("eventCategory"), "code", "eventCategory", required=True)
        _check(event.get("eventType"), "code", "eventType")
        _check(event.get("eventDateUtc"), "code", "eventDateUtc")
        _check(event.get("resourceUrl"), str, "resourceUrl")
        _check(event.get("tenantType"), str, "tenantType")
        _check(event.get("data"), dict, "data")
        events.append({key: event.get(key) for key in
                       ("eventCategory", "eventType", "resourceId", "tenantId", "eventDateUtc")})
    return events
