"""Attachments on Invoices, CreditNotes, PurchaseOrders, Contacts and Accounts, and History/notes."""

from __future__ import annotations

from urllib.parse import quote

from .api import ApiError, Ctx, elements_of, not_found, ok, validation_error
from .documents import KINDS, find_doc
from .util import is_uuid, ms_date, new_id, public
from .wire import Response, json_response

MAX_ATTACHMENTS = 10
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MIME_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "txt": "text/plain",
    "rtf": "application/rtf",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "eml": "message/rfc822",
    "msg": "application/vnd.ms-outlook",
    "zip": "application/zip",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xml": "application/xml",
    "key": "application/x-iwork-keynote-sffkey",
    "numbers": "application/x-iwork-numbers-sffnumbers",
    "pages": "application/x-iwork-pages-sffpages",
    "keynote": "application/x-iwork-keynote-sffkey",
    "heic": "image/heic",
    "webp": "image/webp",
}
PARENTS = {
    "Invoices": "InvoiceID",
    "CreditNotes": "CreditNoteID",
    "Contacts": "ContactID",
    "Accounts": "AccountID",
    "Payments": "PaymentID",
    "Items": "ItemID",
    "PurchaseOrders": "PurchaseOrderID",
}


def parent(ctx: Ctx, coll: str, oid: str) -> dict:
    """The object attachments/history belong to, or 404."""
    kind = KINDS.get(coll)
    obj = find_doc(ctx, kind, oid) if kind is not None else ctx.org.data[coll].get(oid)
    if obj is None:
        raise not_found()
    return obj


def attachments(ctx: Ctx, coll: str):
    """GET list / GET one / PUT / POST of /{coll}/{id}/Attachments[/{FileName|AttachmentID}]."""
    req = ctx.req
    id_field = PARENTS[coll]
    obj = parent(ctx, coll, req.params[id_field])
    oid = obj[id_field]
    files = ctx.org.attachments.setdefault(oid, [])
    name = req.params.get("FileName")
    if req.method == "GET" and name is None:
        return ok(ctx, "Attachments", [public(a) for a in files])
    if req.method == "GET":
        att = next((a for a in files if a["AttachmentID"] == name), None) if is_uuid(name) else None
        att = (
            att
            or next((a for a in files if a["FileName"] == name), None)
            or next((a for a in files if a["FileName"].lower() == name.lower()), None)
        )
        if att is None:
            raise not_found()
        return Response(200, att["_bytes"], att["MimeType"], data=None)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in MIME_TYPES:
        raise validation_error(
            f"The file type '.{ext}' is not supported. Supported file types: " + ", ".join(sorted(MIME_TYPES)),
            {"FileName": name},
        )
    if len(req.body) > MAX_ATTACHMENT_BYTES:
        raise ApiError(
            json_response(
                413,
                {
                    "ErrorNumber": 413,
                    "Type": "RequestEntityTooLarge",
                    "Message": f"The file {name} exceeds the maximum attachment size of "
                    f"{MAX_ATTACHMENT_BYTES} bytes (10 MB).",
                },
            )
        )
    if not req.body:
        raise validation_error("The attachment is empty.", {"FileName": name})
    same = next((a for a in files if a["FileName"].lower() == name.lower()), None)
    if same is None and len(files) >= MAX_ATTACHMENTS:
        raise validation_error(f"An object can have a maximum of {MAX_ATTACHMENTS} attachments.", {"FileName": name})
    content_type = (req.header("Content-Type") or "").split(";")[0].strip().lower()
    mime = content_type if content_type and content_type != "application/octet-stream" else MIME_TYPES[ext]
    host = req.header("Host") or "api.xero.com"
    att = same or {"AttachmentID": new_id()}
    att.update(
        {
            "FileName": name,
            "MimeType": mime,
            "ContentLength": len(req.body),
            "_bytes": bytes(req.body),
            "Url": f"http://{host}/api.xro/2.0/{coll}/{oid}/Attachments/{quote(name)}",
        }
    )
    if coll in ("Invoices", "CreditNotes"):
        att["IncludeOnline"] = str(req.q("IncludeOnline", "false")).lower() == "true"
    if same is None:
        files.append(att)
    obj["HasAttachments"] = True
    ctx.stamp(obj)
    ctx.history(
        oid, "Attached a file", f"Attached the file {name} through the Xero API using {ctx.provider}", ctx.provider
    )
    ctx.store.dirty = True
    return ok(ctx, "Attachments", [public(att)])


def history(ctx: Ctx, coll: str):
    """GET and PUT /{coll}/{id}/History."""
    req = ctx.req
    id_field = PARENTS[coll]
    obj = parent(ctx, coll, req.params[id_field])
    oid = obj[id_field]
    records = ctx.org.history.setdefault(oid, [])
    if req.method == "GET":
        return ok(ctx, "HistoryRecords", [dict(r) for r in records])
    added = []
    for el in elements_of(ctx, "HistoryRecords"):
        details = (el or {}).get("Details") if isinstance(el, dict) else None
        if not details or not str(details).strip():
            raise validation_error(
                "The Details of a history record must be specified.", el if isinstance(el, dict) else {}
            )
        if len(str(details)) > 2500:
            raise validation_error("The Details of a history record must be 2500 characters or less.", el)
        added.append({"Changes": "Note", "DateUTC": ms_date(ctx.now_ms), "User": ctx.provider, "Details": str(details)})
    records.extend(added)
    ctx.store.dirty = True
    return ok(ctx, "HistoryRecords", added)
