"""Contacts: list/get/create/update, unique active names, archiving, search."""

from __future__ import annotations

import copy
import re

from .api import (
    Batch,
    Change,
    Ctx,
    bool_param,
    elements_of,
    find,
    list_objects,
    not_found,
    ok,
    run_batch,
)
from .util import day_ms, dec, is_uuid, new_id, num, parse_date_ms, public, r2

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
READ_ONLY = {
    "ContactID",
    "UpdatedDateUTC",
    "HasAttachments",
    "Balances",
    "IsSupplier",
    "IsCustomer",
    "HasValidationErrors",
    "ValidationErrors",
    "StatusAttributeString",
    "Attachments",
    "Discount",
    "Website",
    "BatchPayments",
    "MergedToContactID",
}
STATUSES = ("ACTIVE", "ARCHIVED", "GDPRREQUEST")


def name_taken_message(name: str) -> str:
    """Xero's message for a duplicate active contact name."""
    return (
        f"The contact name {name} is already assigned to another contact. "
        "The contact name must be unique across all active contacts."
    )


def render(obj: dict) -> dict:
    """A contact as the API returns it."""
    return public(obj)


def balances(ctx: Ctx, contact_id: str) -> dict:
    """Xero's ``Balances`` of a contact: what is outstanding and overdue on its
    approved sales invoices (AccountsReceivable) and bills (AccountsPayable),
    raw — summed in each document's own currency, not converted ("not
    converted to base currency", Xero's Contact schema). Approved credit notes
    lower the outstanding amount by their remaining credit; an invoice is
    overdue when its DueDate is before today (emulator clock, UTC)."""
    today = day_ms(ctx.now_ms)
    out = {"AccountsReceivable": [dec(0), dec(0)], "AccountsPayable": [dec(0), dec(0)]}
    for coll, due_key in (("Invoices", "AmountDue"), ("CreditNotes", "RemainingCredit")):
        for doc in ctx.org.data[coll].values():
            if doc.get("Status") != "AUTHORISED" or (doc.get("Contact") or {}).get("ContactID") != contact_id:
                continue
            side = out["AccountsReceivable" if doc.get("Type", "").startswith("ACCREC") else "AccountsPayable"]
            amount = dec(doc.get(due_key))
            if coll == "CreditNotes":
                side[0] -= amount
                continue
            side[0] += amount
            due = parse_date_ms(doc.get("DueDate")) if doc.get("DueDate") else None
            if due is not None and due < today:
                side[1] += amount
    return {key: {"Outstanding": num(r2(v[0])), "Overdue": num(r2(v[1]))} for key, v in out.items()}


def render_full(ctx: Ctx):
    """Renderer of a contact fetched by id or in pages: with its ``Balances``
    (Xero returns them only then, like ContactPersons and PaymentTerms)."""

    def render_one(obj: dict) -> dict:
        return dict(render(obj), Balances=balances(ctx, obj["ContactID"]))

    return render_one


def summary(contact: dict) -> dict:
    """The contact as embedded in a document."""
    out = {"ContactID": contact["ContactID"], "Name": contact.get("Name", "")}
    for k in ("ContactNumber", "AccountNumber", "ContactStatus", "EmailAddress", "FirstName", "LastName"):
        if contact.get(k):
            out[k] = contact[k]
    out["HasValidationErrors"] = False
    return out


def find_existing(ctx: Ctx, el: dict) -> dict | None:
    """Match an element to a stored contact by ContactID, then ContactNumber."""
    data = ctx.org.data["Contacts"]
    cid = el.get("ContactID")
    if cid:
        return data.get(cid) or data.get(str(cid).lower())
    number = el.get("ContactNumber")
    if number:
        for c in data.values():
            if c.get("ContactNumber") == number:
                return c
    return None


def new_contact(ctx: Ctx, fields: dict) -> dict:
    """A fresh contact record with Xero's defaults."""
    c = {
        "ContactID": new_id(),
        "ContactStatus": "ACTIVE",
        "Name": "",
        "EmailAddress": "",
        "BankAccountDetails": "",
        "Addresses": [],
        "Phones": [],
        "ContactPersons": [],
        "ContactGroups": [],
        "IsSupplier": False,
        "IsCustomer": False,
        "HasAttachments": False,
        "HasValidationErrors": False,
    }
    c.update(fields)
    return ctx.stamp(c)


def _check_fields(merged: dict, name: str, status: str, change: Change) -> None:
    """Name, status, e-mail addresses and contact persons."""
    if not name:
        change.fail("The contact name must be specified.")
    elif len(name) > 255:
        change.fail("The contact name must be 255 characters or less.")
    if status not in STATUSES:
        change.fail(f"ContactStatus must be one of {', '.join(STATUSES)}.")
    persons = merged.get("ContactPersons") or []
    emails = [merged.get("EmailAddress")] + [p.get("EmailAddress") for p in persons if isinstance(p, dict)]
    if any(e and not EMAIL_RE.match(e) for e in emails):
        change.fail("Email address must be valid.")
    if len(persons) > 5:
        change.fail("A contact can have a maximum of 5 contact persons.")


def _check_unique(ctx: Ctx, batch: Batch, existing: dict | None, merged: dict, change: Change) -> None:
    """Active names are unique per organisation (and within the batch); so are account numbers."""
    org = ctx.org
    name, status = merged["Name"], merged["ContactStatus"]
    own_id = existing["ContactID"] if existing else None
    if status != "ACTIVE":
        return
    holder = org.contact_names.get(name.lower())
    if name and ((holder and holder != own_id) or name.lower() in batch.names):
        change.fail(name_taken_message(name))
    acc = merged.get("AccountNumber")
    if not acc or (existing and existing.get("AccountNumber") == acc):
        return
    clash = acc.lower() in batch.account_numbers or any(
        c.get("AccountNumber", "").lower() == acc.lower()
        and c["ContactID"] != own_id
        and c.get("ContactStatus") == "ACTIVE"
        for c in org.data["Contacts"].values()
    )
    if clash:
        change.fail("The Account Number already exists. Please enter a different Account Number.")


def _commit(ctx: Ctx, existing: dict | None, merged: dict) -> dict:
    org = ctx.org
    name = merged["Name"]
    if existing is None:
        contact = new_contact(ctx, merged)
        org.data["Contacts"][contact["ContactID"]] = contact
        ctx.history(contact["ContactID"], "Created", f"Contact {name} created.", ctx.provider)
        ctx.event("CONTACT", "CREATE", "Contacts", contact["ContactID"])
    else:
        old_name = existing.get("Name", "").lower()
        for index in (org.contact_names, org.archived_names):
            if index.get(old_name) == existing["ContactID"]:
                del index[old_name]
        existing.clear()
        existing.update(merged)
        contact = ctx.stamp(existing)
        ctx.history(contact["ContactID"], "Edited", f"Contact {name} updated.", ctx.provider)
        ctx.event("CONTACT", "UPDATE", "Contacts", contact["ContactID"])
    if contact["ContactStatus"] == "ACTIVE":
        org.contact_names[name.lower()] = contact["ContactID"]
    elif contact["ContactStatus"] == "ARCHIVED":
        org.archived_names[name.lower()] = contact["ContactID"]
    return contact


def prepare(ctx: Ctx, batch: Batch, change: Change) -> None:
    """Validate one contact element and stage its creation/update."""
    el = change.element
    if ctx.req.params.get("ContactID"):
        el = dict(el, ContactID=ctx.req.params["ContactID"])
    existing = find_existing(ctx, el)
    if el.get("ContactID") and existing is None:
        change.fail(f"The contact with ContactID {el['ContactID']} could not be found.")
        return
    fields = {k: copy.deepcopy(v) for k, v in el.items() if k not in READ_ONLY}
    merged = dict(existing or {}, **fields)
    merged["Name"] = (merged.get("Name") or "").strip()
    merged["ContactStatus"] = str(merged.get("ContactStatus") or "ACTIVE").upper()
    _check_fields(merged, merged["Name"], merged["ContactStatus"], change)
    _check_unique(ctx, batch, existing, merged, change)
    if change.errors:
        return
    if merged["ContactStatus"] == "ACTIVE":
        batch.names[merged["Name"].lower()] = change
        if merged.get("AccountNumber"):
            batch.account_numbers.add(merged["AccountNumber"].lower())
    change.apply = lambda: _commit(ctx, existing, merged)


def search_filter(term: str):
    """searchTerm: case-insensitive match on name, first/last name, number, company number, email."""
    low = term.lower()

    def match(c):
        return any(
            low in str(c.get(k) or "").lower()
            for k in ("Name", "FirstName", "LastName", "ContactNumber", "CompanyNumber", "EmailAddress")
        )

    return match


def handle(ctx: Ctx) -> object:
    """Dispatch /Contacts requests."""
    req = ctx.req
    org = ctx.org
    cid = req.params.get("ContactID")
    if req.method == "GET" and cid is None:
        filters = []
        if not bool_param(req, "includeArchived") and not req.q("IDs"):
            filters.append(lambda c: c.get("ContactStatus") != "ARCHIVED")
        if req.q("searchTerm"):
            filters.append(search_filter(req.q("searchTerm")))
        paged = req.q("page") is not None or req.q("pageSize") is not None
        return list_objects(
            ctx,
            org.data["Contacts"].values(),
            "Contacts",
            render_full(ctx) if paged else render,
            id_field="ContactID",
            extra_filters=filters,
        )
    if req.method == "GET":
        if is_uuid(cid):
            return ok(ctx, "Contacts", [render_full(ctx)(find(ctx, "Contacts", cid))])
        for c in org.data["Contacts"].values():
            if c.get("ContactNumber") == cid:
                return ok(ctx, "Contacts", [render_full(ctx)(c)])
        raise not_found()
    if cid is not None and cid not in org.data["Contacts"]:
        raise not_found()
    return run_batch(ctx, "Contacts", elements_of(ctx, "Contacts"), prepare, render, "HasValidationErrors")
