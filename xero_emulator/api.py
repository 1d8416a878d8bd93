"""Shared machinery of the Accounting API handlers: context, envelopes, errors, listing
and batch create/update with Xero's summarizeErrors semantics."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from .state import Org, Store
from .util import is_uuid, ms_date, ms_date_plain, new_id, parse_http_date
from .where import WhereError, apply_order, compile_where
from .wire import Request, Response, json_response, text_response

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100


class ApiError(Exception):
    """Raised by handlers to answer an error response at once."""

    def __init__(self, response: Response):
        super().__init__(response.status)
        self.response = response


@dataclass
class Ctx:
    """Everything a handler needs for one request."""

    store: Store
    org: Org
    req: Request
    client_id: str
    provider: str
    now_ms: int
    events: list = field(default_factory=list)  # (category, type, resource path, id, data)

    @property
    def unitdp4(self) -> bool:
        """Whether the client asked for 4 decimal places on unit amounts."""
        return str(self.req.q("unitdp", "")) == "4"

    def stamp(self, obj: dict) -> dict:
        """Set UpdatedDateUTC (and the private ``_upd``) from the emulator clock."""
        obj["UpdatedDateUTC"] = ms_date(self.now_ms)
        obj["_upd"] = self.now_ms
        return obj

    def event(self, category: str, kind: str, resource: str, oid: str, data: dict | None = None) -> None:
        """Queue a webhook event, sent after the request commits."""
        self.events.append((category, kind, resource, oid, data))

    def history(self, oid: str, changes: str, details: str, user: str | None = None) -> None:
        """Append a history record to an object."""
        self.org.history.setdefault(oid, []).append(
            {
                "Changes": changes,
                "DateUTC": ms_date(self.now_ms),
                "User": user or "System Generated",
                "Details": details,
            }
        )


# -- responses ---------------------------------------------------------------------------
def envelope(ctx: Ctx, key: str | None, items, extra: dict | None = None) -> dict:
    """Xero's response wrapper: Id, Status, ProviderName, DateTimeUTC + the collection."""
    data = {"Id": new_id(), "Status": "OK", "ProviderName": ctx.provider, "DateTimeUTC": ms_date_plain(ctx.now_ms)}
    if extra:
        data.update(extra)
    if key:
        data[key] = items
    return data


def ok(ctx: Ctx, key: str, items, extra: dict | None = None) -> Response:
    """200 with the envelope."""
    return json_response(200, envelope(ctx, key, items, extra))


def validation_exception(elements: list[dict]) -> Response:
    """400 ValidationException as Xero answers it."""
    return json_response(
        400,
        {
            "ErrorNumber": 10,
            "Type": "ValidationException",
            "Message": "A validation exception occurred",
            "Elements": elements,
        },
    )


def validation_error(message: str, element: dict | None = None) -> ApiError:
    """A 400 ValidationException with a single message."""
    el = dict(element or {})
    el["ValidationErrors"] = [{"Message": message}]
    return ApiError(validation_exception([el]))


def not_found() -> ApiError:
    """Xero's 404 (plain text)."""
    return ApiError(text_response(404, "The resource you're looking for cannot be found"))


def query_error(message: str) -> ApiError:
    """400 QueryParseException (bad where/order)."""
    return ApiError(json_response(400, {"ErrorNumber": 16, "Type": "QueryParseException", "Message": message}))


def body_json(ctx: Ctx):
    """Decode the JSON body or answer 400."""
    try:
        return ctx.req.json()
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(
            json_response(
                400,
                {
                    "ErrorNumber": 14,
                    "Type": "PostDataInvalidException",
                    "Message": f"JSON for post data was invalid, {exc}",
                },
            )
        ) from exc


def elements_of(ctx: Ctx, key: str) -> list:
    """The elements of a create/update body: ``{"Invoices": [...]}``, a bare object or a list."""
    data = body_json(ctx)
    if isinstance(data, dict) and key in data:
        items = data[key]
    elif isinstance(data, dict):
        lowered = {k.lower(): v for k, v in data.items()}
        items = lowered.get(key.lower(), [data])
    elif isinstance(data, list):
        items = data
    else:
        items = None
    if not isinstance(items, list) or not items:
        raise validation_error(f"No {key} were provided in the request")
    return items


# -- listing -----------------------------------------------------------------------------
def csv_param(req: Request, name: str) -> list[str]:
    """A comma-separated query parameter as a list (empty when absent)."""
    lname = name.lower()
    values = [v for k, vs in req.query.items() if k.lower() == lname for v in vs]
    return [p.strip().strip('"') for raw in values for p in raw.split(",") if p.strip()]


def bool_param(req: Request, name: str, default: bool = False) -> bool:
    """A true/false query parameter."""
    raw = req.q(name)
    return default if raw is None else str(raw).lower() in ("true", "1", "yes")


def list_objects(
    ctx: Ctx,
    objs,
    key: str,
    render,
    *,
    id_field: str | None = None,
    paged: bool = True,
    default_order=None,
    extra_filters=(),
    where: bool = True,
    always_paged: bool = False,
) -> Response:
    """Filter (IDs, If-Modified-Since, where, extra filters), order, page and render.

    ``where=False``: the endpoint has no ``where`` parameter (it is ignored); ``always_paged``:
    without ``page``/``pageSize`` the first page of 100 is answered (Xero "enforces paging").
    """
    req = ctx.req
    items = list(objs)
    if id_field:
        ids = {i.lower() for i in csv_param(req, "IDs")}
        if ids:
            items = [o for o in items if str(o.get(id_field, "")).lower() in ids]
    ims = req.header("If-Modified-Since")
    if ims:
        since = parse_http_date(ims)
        if since is None:
            raise query_error(f"Invalid If-Modified-Since header: {ims}")
        since_ms = int(since * 1000)
        items = [o for o in items if o.get("_upd", 0) > since_ms]
    for flt in extra_filters:
        items = [o for o in items if flt(o)]
    try:
        pred = compile_where(req.q("where", "") if where else "")
        items = [o for o in items if pred(o)]
        order = req.q("order")
        if order:
            items = apply_order(items, order)
        elif default_order:
            items = default_order(items)
    except WhereError as exc:
        raise query_error(str(exc)) from exc
    extra = None
    if paged and (always_paged or req.q("page") is not None or req.q("pageSize") is not None):
        try:
            page = int(req.q("page", "1"))
            size = int(req.q("pageSize", str(DEFAULT_PAGE_SIZE)))
        except ValueError as exc:
            raise validation_error("page and pageSize must be integers") from exc
        if size > MAX_PAGE_SIZE or size < 1:
            raise validation_error(f"The pageSize must be between 1 and {MAX_PAGE_SIZE}.")
        page = max(page, 1)
        total = len(items)
        extra = {
            "pagination": {"page": page, "pageSize": size, "pageCount": (total + size - 1) // size, "itemCount": total}
        }
        items = items[(page - 1) * size : page * size]
    return ok(ctx, key, [render(o) for o in items], extra)


def find(ctx: Ctx, coll: str, oid: str) -> dict:
    """An object by id or 404."""
    obj = ctx.org.data[coll].get(oid)
    if obj is None and is_uuid(oid):
        obj = ctx.org.data[coll].get(oid.lower())
    if obj is None:
        raise not_found()
    return obj


# -- batch create / update ---------------------------------------------------------------
@dataclass
class Change:
    """The outcome of preparing one element of a batch."""

    element: dict
    errors: list = field(default_factory=list)
    apply: object = None  # callable() -> stored object, run at commit time
    result: dict | None = None

    def fail(self, message: str) -> None:
        """Add a validation error."""
        if {"Message": message} not in self.errors:
            self.errors.append({"Message": message})


class Batch:
    """Per-request scratch space so elements of one batch see each other (names, numbers, amounts)."""

    def __init__(self):
        self.names: dict[str, object] = {}  # lower(contact name) -> reserving element
        self.account_numbers: set = set()
        self.numbers: dict[str, set] = {}  # type -> lower(numbers)
        self.new_contacts: dict[str, dict] = {}  # lower(name) -> contact created inline
        self.applied: dict[str, object] = {}  # doc id -> Decimal pending payments/allocations
        self.codes: set = set()


def run_batch(ctx: Ctx, key: str, elements: list, prepare, render, error_flag: str = "HasErrors") -> Response:
    """Prepare every element, then commit all (or the good ones when summarizeErrors=false)."""
    summarize = bool_param(ctx.req, "summarizeErrors", True)
    batch = Batch()
    changes = []
    for raw in elements:
        if not isinstance(raw, dict):
            change = Change({})
            change.fail(f"Each element of {key} must be an object")
        else:
            change = Change(raw)
            prepare(ctx, batch, change)
        changes.append(change)
    bad = [c for c in changes if c.errors]
    if bad and summarize:
        return validation_exception([echo(c) for c in bad])
    out = []
    for change in changes:
        if change.errors:
            el = echo(change)
            el[error_flag] = True
            el["StatusAttributeString"] = "ERROR"
            out.append(el)
            continue
        stored = change.apply()
        rendered = render(stored)
        if not summarize:
            rendered["StatusAttributeString"] = "OK"
        out.append(rendered)
    ctx.store.dirty = True
    return ok(ctx, key, out)


def echo(change: Change) -> dict:
    """The element as sent plus its ValidationErrors (what Xero returns for a failed element)."""
    el = copy.deepcopy(change.element)
    el["ValidationErrors"] = list(change.errors)
    return el
