"""Small helpers shared by the emulator modules: ids, Xero dates, money, JSON."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MS_DATE_RE = re.compile(r"^/Date\((-?\d+)([+-]\d{2,4})?\)/$")
ISO_DATE_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
TWO = Decimal("0.01")
FOUR = Decimal("0.0001")


def new_id() -> str:
    """A fresh uuid4 string, the form of every Xero identifier."""
    return str(uuid.uuid4())


def is_uuid(value) -> bool:
    """True when value is a uuid string (any case)."""
    return isinstance(value, str) and bool(UUID_RE.match(value))


def ms_date(ms: int) -> str:
    """Format epoch milliseconds as Xero's ``/Date(ms+0000)/``."""
    return f"/Date({int(ms)}+0000)/"


def ms_date_plain(ms: int) -> str:
    """Format epoch milliseconds as ``/Date(ms)/`` (envelope style)."""
    return f"/Date({int(ms)})/"


def parse_date_ms(value) -> int | None:  # noqa: PLR0911 - one return per accepted format
    """Parse a Xero/ISO date string into epoch milliseconds (UTC); None when unparseable.

    Accepts ``/Date(1768435200000+0000)/``, ``/Date(1768435200000)/``, ``2024-01-31``
    and ``2024-01-31T10:00:00`` (optionally with ``Z`` or an offset).
    """
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=UTC)
        return int(dt.timestamp() * 1000)
    if isinstance(value, date):
        return int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp() * 1000)
    text = str(value).strip()
    m = MS_DATE_RE.match(text)
    if m:
        return int(m.group(1))
    m = ISO_DATE_RE.match(text)
    if m:
        y, mo, d, hh, mi, ss, tz = m.groups()
        try:
            dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0), tzinfo=UTC)
        except ValueError:
            return None
        if tz and tz != "Z":
            sign = 1 if tz[0] == "+" else -1
            digits = tz[1:].replace(":", "")
            dt -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        return int(dt.timestamp() * 1000)
    return None


def day_ms(ms: int) -> int:
    """Truncate epoch milliseconds to midnight UTC of that day."""
    return ms - ms % 86_400_000


def iso_utc(ts: float) -> str:
    """ISO-8601 UTC timestamp without zone, as Xero's identity API writes them."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0")


def parse_http_date(value: str) -> float | None:
    """Parse an If-Modified-Since header value (RFC 7231 or ISO) into epoch seconds."""
    if not value:
        return None
    from email.utils import parsedate_to_datetime

    try:
        dt = parsedate_to_datetime(value)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return dt.timestamp()
    except (TypeError, ValueError, IndexError):
        ms = parse_date_ms(value)
        return None if ms is None else ms / 1000.0


def dec(value, default="0") -> Decimal:
    """Convert a JSON number/string to Decimal (via str to avoid float noise)."""
    if value is None or value == "":
        return Decimal(default)
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not a number: {value!r}") from exc


def r2(value: Decimal) -> Decimal:
    """Round half away from zero to 2 decimal places (Xero's money rounding)."""
    return value.quantize(TWO, rounding=ROUND_HALF_UP)


def r4(value: Decimal) -> Decimal:
    """Round to 4 decimal places (unit amounts with unitdp=4)."""
    return value.quantize(FOUR, rounding=ROUND_HALF_UP)


def num(value: Decimal) -> float:
    """Decimal to a JSON float."""
    return float(value)


def public(obj: dict) -> dict:
    """Copy of a stored object without the emulator's private ``_`` keys."""
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def dumps(data) -> bytes:
    """Compact JSON bytes."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
