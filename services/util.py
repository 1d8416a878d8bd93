"""Small helpers shared by the whole addon: Xero's dates, hashes, ids.

Plain functions without Odoo: the adapter (:mod:`.api`), the mappers and
the sync layer all use these, so each exists once.
"""

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

MS_DATE_RE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def payload_hash(payload):
    """Stable hash of a dict (sorted keys): the version of what is sent or mirrored."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def is_uuid(value):
    """Whether ``value`` is a string shaped like a Xero id (a GUID)."""
    return isinstance(value, str) and bool(UUID_RE.match(value))


def parse_xero_datetime(value):
    """A Xero date (``/Date(ms+0000)/`` or ISO) as a naive UTC datetime, or None."""
    if not value:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    text = str(value).strip()
    match = MS_DATE_RE.match(text)
    if match:
        return datetime(1970, 1, 1) + timedelta(milliseconds=int(match.group(1)))
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def parse_xero_date(value):
    """The calendar date of a Xero date field, or None."""
    parsed = parse_xero_datetime(value)
    return parsed.date() if parsed else None


def if_modified_since(moment):
    """``If-Modified-Since`` header value for a naive UTC datetime.

    Second precision, as Xero reads it: records updated in that very second
    are returned again next time, which costs nothing (imports are idempotent)
    and never misses a record updated later in the same second."""
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S")


def newest(elements, current=None):
    """Latest ``UpdatedDateUTC`` of ``elements`` (naive UTC), at least ``current``."""
    best = current
    for element in elements:
        stamp = parse_xero_datetime(element.get("UpdatedDateUTC"))
        if stamp and (best is None or stamp > best):
            best = stamp
    return best


def server_time(headers):
    """Naive UTC time of an answer's ``Date`` header (Xero's clock), or None.

    The cursor of a poll is the time its first page was served: anything
    changed while the pages were read is read again next time."""
    value = {k.lower(): v for k, v in (headers or {}).items()}.get("date")
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
