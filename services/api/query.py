"""Building Xero queries: ``where`` clauses and pages.

Xero's ``where`` is a C#-like expression: strings in double quotes with
``\\`` and ``"`` escaped, ids as ``Guid("...")``. Lists are read in pages of
up to 1,000 with a ``pagination`` block telling how many pages there are.
"""

from dataclasses import dataclass, field

from ..util import server_time

#: Xero's largest page
MAX_PAGE = 1000


def quote(text):
    """``text`` as a string literal inside a Xero ``where`` clause."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def any_equal(field_name, values):
    """``where`` clause: ``field_name`` equals any of the strings ``values``."""
    return " OR ".join(f"{field_name}=={quote(value)}" for value in values)


def any_guid(field_name, ids):
    """``where`` clause: ``field_name`` is any of ``ids`` (already checked to be GUIDs)."""
    return " OR ".join(f'{field_name}==Guid("{xid}")' for xid in ids)


def chunks(values, size):
    """``values`` (a list) in lists of at most ``size``."""
    return [values[start:start + size] for start in range(0, len(values), size)]


@dataclass
class Page:
    """One page of a Xero list, as plain data."""

    elements: list
    number: int
    size: int
    page_count: int | None = None
    item_count: int | None = None
    served_at: object = None  # naive UTC datetime of the answer's Date header
    data: dict = field(default_factory=dict)

    @property
    def last(self):
        """No page after this one: Xero says so, or the page is short."""
        if self.page_count is not None:
            return self.number >= self.page_count
        return len(self.elements) < self.size


def page_of(response, collection, number, size):
    """A :class:`Page` from a list answer of ``collection``."""
    pagination = response.data.get("pagination") or {}
    return Page(
        elements=response.data.get(collection) or [],
        number=number, size=size,
        page_count=pagination.get("pageCount"),
        item_count=pagination.get("itemCount"),
        served_at=server_time(response.headers),
        data=response.data,
    )
