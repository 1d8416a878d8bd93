"""Accounting API front door: routing, auth, tenant and scope checks, rate limits, faults,
idempotency and spec validation around the per-object handlers."""

from __future__ import annotations

import base64
import hashlib
import re
import time

from . import attachments, contacts, documents, payments, purchase_orders, settings
from .api import ApiError, Ctx, validation_error
from .oauth import forbidden, unauthorized
from .util import is_uuid
from .wire import Request, Response, json_response, text_response

PREFIX = "/api.xro/2.0"
MAX_BODY = 3_500_000
IDEMPOTENCY_TTL = 86400

SCOPES = {
    "settings": ("accounting.settings",),
    "contacts": ("accounting.contacts",),
    "invoices": ("accounting.transactions", "accounting.invoices"),
    "payments": ("accounting.transactions", "accounting.payments"),
    "items": ("accounting.settings", "accounting.invoices"),
    "attachments": ("accounting.attachments",),
}


def _docs(coll):
    return lambda ctx: documents.handle(ctx, coll)


def _att(coll):
    return lambda ctx: attachments.attachments(ctx, coll)


def _hist(coll):
    return lambda ctx: attachments.history(ctx, coll)


# (methods, spec path, handler, scope group)
ROUTES = [
    ("GET", "/Organisation", settings.organisation, "settings"),
    ("GET PUT", "/Currencies", settings.currencies, "settings"),
    ("GET PUT", "/Accounts", settings.accounts, "settings"),
    ("GET POST DELETE", "/Accounts/{AccountID}", settings.accounts, "settings"),
    ("GET", "/Accounts/{AccountID}/Attachments", _att("Accounts"), "attachments"),
    ("GET PUT POST", "/Accounts/{AccountID}/Attachments/{FileName}", _att("Accounts"), "attachments"),
    ("GET PUT POST", "/TaxRates", settings.tax_rates, "settings"),
    ("GET", "/TaxRates/{TaxType}", settings.tax_rates, "settings"),
    ("GET PUT", "/TrackingCategories", settings.tracking, "settings"),
    ("GET POST DELETE", "/TrackingCategories/{TrackingCategoryID}", settings.tracking, "settings"),
    ("PUT", "/TrackingCategories/{TrackingCategoryID}/Options", settings.tracking, "settings"),
    (
        "POST DELETE",
        "/TrackingCategories/{TrackingCategoryID}/Options/{TrackingOptionID}",
        settings.tracking,
        "settings",
    ),
    ("GET PUT POST", "/Items", settings.items, "items"),
    ("GET POST DELETE", "/Items/{ItemID}", settings.items, "items"),
    ("GET PUT", "/Items/{ItemID}/History", _hist("Items"), "items"),
    ("GET PUT POST", "/Contacts", contacts.handle, "contacts"),
    ("GET POST", "/Contacts/{ContactID}", contacts.handle, "contacts"),
    ("GET", "/Contacts/{ContactID}/Attachments", _att("Contacts"), "attachments"),
    ("GET PUT POST", "/Contacts/{ContactID}/Attachments/{FileName}", _att("Contacts"), "attachments"),
    ("GET PUT", "/Contacts/{ContactID}/History", _hist("Contacts"), "contacts"),
    ("GET PUT POST", "/Invoices", _docs("Invoices"), "invoices"),
    ("GET POST", "/Invoices/{InvoiceID}", _docs("Invoices"), "invoices"),
    ("GET", "/Invoices/{InvoiceID}/Attachments", _att("Invoices"), "attachments"),
    ("GET PUT POST", "/Invoices/{InvoiceID}/Attachments/{FileName}", _att("Invoices"), "attachments"),
    ("GET PUT", "/Invoices/{InvoiceID}/History", _hist("Invoices"), "invoices"),
    ("GET PUT POST", "/CreditNotes", _docs("CreditNotes"), "invoices"),
    ("GET POST", "/CreditNotes/{CreditNoteID}", _docs("CreditNotes"), "invoices"),
    (
        "PUT",
        "/CreditNotes/{CreditNoteID}/Allocations",
        lambda ctx: payments.allocate(ctx, ctx.req.params["CreditNoteID"]),
        "invoices",
    ),
    ("GET", "/CreditNotes/{CreditNoteID}/Attachments", _att("CreditNotes"), "attachments"),
    ("GET PUT POST", "/CreditNotes/{CreditNoteID}/Attachments/{FileName}", _att("CreditNotes"), "attachments"),
    ("GET PUT", "/CreditNotes/{CreditNoteID}/History", _hist("CreditNotes"), "invoices"),
    ("GET PUT POST", "/PurchaseOrders", purchase_orders.handle, "invoices"),
    ("GET POST", "/PurchaseOrders/{PurchaseOrderID}", purchase_orders.handle, "invoices"),
    ("GET", "/PurchaseOrders/{PurchaseOrderID}/Attachments", _att("PurchaseOrders"), "attachments"),
    (
        "GET PUT POST",
        "/PurchaseOrders/{PurchaseOrderID}/Attachments/{FileName}",
        _att("PurchaseOrders"),
        "attachments",
    ),
    ("GET PUT", "/PurchaseOrders/{PurchaseOrderID}/History", _hist("PurchaseOrders"), "invoices"),
    ("GET PUT POST", "/Payments", payments.handle, "payments"),
    ("GET POST", "/Payments/{PaymentID}", payments.handle, "payments"),
    ("GET PUT", "/Payments/{PaymentID}/History", _hist("Payments"), "payments"),
]


# GET paths whose id may also be a number: template -> (parameter, spec path when it is not a uuid)
BY_NUMBER = {
    "/Contacts/{ContactID}": ("ContactID", "/Contacts/{ContactNumber}"),
    "/PurchaseOrders/{PurchaseOrderID}": ("PurchaseOrderID", "/PurchaseOrders/{PurchaseOrderNumber}"),
}


def _compile(template: str):
    names = re.findall(r"{(\w+)}", template)
    pattern = re.sub(r"{\w+}", "([^/]+)", re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
    return re.compile("^" + pattern + "/?$", re.IGNORECASE), names


COMPILED = [(set(m.split()), path, _compile(path), handler, group) for m, path, handler, group in ROUTES]


def route(method: str, sub_path: str):
    """Find (spec path, params, handler, scope group) for a path below /api.xro/2.0, or None.

    Returns "method" as handler when the path exists but not for this method.
    """
    from urllib.parse import unquote

    path_known = False
    for methods, template, (regex, names), handler, group in COMPILED:
        m = regex.match(sub_path)
        if not m:
            continue
        path_known = True
        if method not in methods:
            continue
        params = {n: unquote(v) for n, v in zip(names, m.groups(), strict=True)}
        spec_path = template
        if template.endswith("{FileName}") and method == "GET" and is_uuid(params["FileName"]):
            spec_path = template.replace("{FileName}", "{AttachmentID}")
        by_number = BY_NUMBER.get(template)
        if by_number and method == "GET" and not is_uuid(params[by_number[0]]):
            spec_path = by_number[1]
        return spec_path, params, handler, group
    return "method" if path_known else None


def scope_ok(scopes, group: str, method: str) -> bool:
    """Whether the token's scopes allow this call (``.read`` variants allow GET only)."""
    needed = SCOPES[group]
    if any(s in scopes for s in needed):
        return True
    return method == "GET" and any(s + ".read" in scopes for s in needed)


def server_error(status: int) -> Response:
    """Xero-like 500/503 bodies."""
    if status == 503:
        return json_response(
            503,
            {
                "Title": "Service Unavailable",
                "Status": 503,
                "Detail": "The Xero API is temporarily unavailable. Please try again later.",
            },
            {"Retry-After": "1"},
        )
    return json_response(
        500,
        {
            "Title": "An error occurred",
            "Status": 500,
            "Detail": "An error occurred in Xero. Check the API Status page "
            "http://status.developer.xero.com for current service status.",
        },
    )


class Accounting:
    """Handles every request under /api.xro/2.0 for an Emulator."""

    def __init__(self, emu):
        self.emu = emu

    def handle(self, req: Request) -> Response:  # noqa: PLR0911 - guard clauses, one per HTTP error
        """Authenticate, limit, maybe fault, process and validate one request."""
        emu = self.emu
        store = emu.store
        sub = req.path[len(PREFIX) :] or "/"
        found = route(req.method, sub)
        if found is None:
            return text_response(404, "The resource you're looking for cannot be found")
        if found == "method":
            return json_response(
                405, {"Title": "Method Not Allowed", "Status": 405, "Detail": f"{req.method} is not supported on {sub}"}
            )
        spec_path, params, handler, group = found
        req.spec_path, req.params, req.route = spec_path, params, f"{req.method} {spec_path}"
        req.handler = handler
        auth = req.header("Authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        tenant_id = (req.header("xero-tenant-id") or "").strip()
        with store.lock:
            rec, err = emu.oauth.check_access(token)
            if err:
                return err
            if (
                not tenant_id
                or store.org(tenant_id) is None
                or not emu.oauth.tenant_allowed(rec["client_id"], tenant_id)
            ):
                return forbidden()
            if not scope_ok(rec["scope"], group, req.method):
                needed = " ".join(SCOPES[group])
                return unauthorized(
                    "AuthorizationUnsuccessful: insufficient_scope",
                    f'Bearer error="insufficient_scope", scope="{needed}"',
                )
            client_id = rec["client_id"]
            provider = store.apps.get(client_id, {}).get("name", client_id)
        if group != "attachments" and len(req.body) > MAX_BODY:
            return json_response(
                413,
                {
                    "ErrorNumber": 413,
                    "Type": "RequestEntityTooLarge",
                    "Message": "The request body exceeds the maximum size of 3.5 MB.",
                },
            )
        admitted, headers, _problem, _retry = emu.limiter.acquire(tenant_id, client_id, req.route)
        if not admitted:
            resp = json_response(
                429,
                {
                    "Title": "Too Many Requests",
                    "Status": 429,
                    "Detail": f"Rate limit exceeded: {headers['X-Rate-Limit-Problem']}",
                },
            )
            resp.headers.update(headers)
            return resp
        try:
            resp = self._process(req, tenant_id, client_id, provider)
        finally:
            emu.limiter.release(tenant_id)
        for k, v in headers.items():
            resp.headers.setdefault(k, v)
        return resp

    def _process(self, req: Request, tenant_id: str, client_id: str, provider: str) -> Response:
        emu = self.emu
        fault = emu.faults.take(req.method, req.path)
        if fault is not None:
            if fault.mode in ("500", "503"):
                return server_error(int(fault.mode))
            if fault.mode == "429":
                emu.limiter.count_rejected(tenant_id, "minute")
                return json_response(
                    429,
                    {"Title": "Too Many Requests", "Status": 429, "Detail": "Rate limit exceeded: minute"},
                    {"Retry-After": "1", "X-Rate-Limit-Problem": "minute"},
                )
            if fault.mode == "timeout":
                time.sleep(fault.timeout_seconds)
                return Response(0, drop=True)
            if fault.mode == "delay":
                time.sleep(fault.delay_seconds)
        resp, ctx = self._run(req, tenant_id, client_id, provider)
        if ctx is not None and ctx.events:
            emu.webhooks.enqueue(tenant_id, ctx.events, emu.base_url)
        emu.check_spec(req, resp)
        if fault is not None and fault.mode == "drop_after_commit":
            return Response(0, drop=True)
        return resp

    def _run(self, req: Request, tenant_id: str, client_id: str, provider: str):
        """Run the handler under the state lock, honouring Idempotency-Key."""
        store = self.emu.store
        with store.lock:
            org = store.org(tenant_id)
            ctx = Ctx(store, org, req, client_id, provider, store.clock.now_ms())
            key = req.header("Idempotency-Key")
            fingerprint = None
            if key and req.method != "GET":
                try:
                    fingerprint = self._idempotency_check(ctx, key)
                except ApiError as exc:
                    return exc.response, None
                stored = org.idempotency.get(key)
                if stored is not None:
                    return Response(
                        stored["status"], base64.b64decode(stored["body"]), stored["content_type"], data=None
                    ), None
            try:
                resp = self._dispatch(ctx)
            except ApiError as exc:
                resp = exc.response
            if fingerprint is not None and resp.status < 500:
                org.idempotency[key] = {
                    "fingerprint": fingerprint,
                    "status": resp.status,
                    "content_type": resp.content_type,
                    "created": ctx.now_ms / 1000,
                    "body": base64.b64encode(resp.body).decode(),
                }
                store.dirty = True
            return resp, ctx

    @staticmethod
    def _dispatch(ctx: Ctx) -> Response:
        return ctx.req.handler(ctx)

    @staticmethod
    def _idempotency_check(ctx: Ctx, key: str) -> str:
        """Validate the key and compare with a stored request; returns the fingerprint."""
        if len(key) > 128:
            raise validation_error("The Idempotency-Key must be 128 characters or less.")
        org = ctx.org
        now = ctx.now_ms / 1000
        for k in [k for k, v in org.idempotency.items() if now - v["created"] > IDEMPOTENCY_TTL]:
            del org.idempotency[k]
        req = ctx.req
        digest = hashlib.sha256()
        for part in (req.method, req.path, "&".join(f"{k}={v}" for k, v in sorted(req.query.items())), ""):
            digest.update(part.encode() + b"\0")
        digest.update(req.body)
        fingerprint = digest.hexdigest()
        stored = org.idempotency.get(key)
        if stored is not None and stored["fingerprint"] != fingerprint:
            raise validation_error(
                "The Idempotency-Key has already been used for a different request "
                "(different method, path or body). Keys are valid for 24 hours."
            )
        return fingerprint
