"""Xero's Accounting API, as the addon uses it.

Writes are named *operations* (:data:`OPERATIONS`): the outbox stores the
operation, its path parameters and the exact body of a request with its
Idempotency-Key, and replays it through :meth:`AccountingAdapter.write`
unchanged. Reads are methods returning plain data: lists of Xero's dicts
or :class:`~.query.Page`.
"""

from dataclasses import dataclass, field

from ..client import JsonBody
from ..util import if_modified_since, is_uuid
from .query import MAX_PAGE, any_equal, any_guid, chunks, page_of

#: numbers or ids per look-up request (they go in the query string)
LOOKUP_CHUNK = 25
#: ids per request when records are fetched by id (webhook events)
FETCH_CHUNK = 40


@dataclass(frozen=True)
class Operation:
    """A write to Xero: the xero-python method, the collection its body and
    answer carry, the extra query parameters, and whether the body is a
    batch of elements (``{collection: [...]}``, ``summarizeErrors=false``)
    or one object sent to a path (``path`` names its parameters)."""

    method: str
    collection: str
    kwargs: dict = field(default_factory=dict)
    batched: bool = True
    path: tuple = ()


_UNITDP = {"unitdp": 4}
OPERATIONS = {
    "invoices.create": Operation("create_invoices", "Invoices", _UNITDP),
    "invoices.update": Operation("update_or_create_invoices", "Invoices", _UNITDP),
    "invoices.status": Operation("update_or_create_invoices", "Invoices"),
    "invoices.attach": Operation("create_invoice_attachment_by_file_name", "Attachments", batched=False,
                                 path=("xero_id", "file_name")),
    "credit_notes.create": Operation("create_credit_notes", "CreditNotes", _UNITDP),
    "credit_notes.update": Operation("update_or_create_credit_notes", "CreditNotes", _UNITDP),
    "credit_notes.status": Operation("update_or_create_credit_notes", "CreditNotes"),
    "credit_notes.attach": Operation("create_credit_note_attachment_by_file_name", "Attachments",
                                     batched=False, path=("xero_id", "file_name")),
    "contacts.update": Operation("update_or_create_contacts", "Contacts"),
    "contacts.history": Operation("create_contact_history", "HistoryRecords", batched=False, path=("xero_id",)),
    "payments.create": Operation("create_payments", "Payments"),
    # purchase orders: no unitdp on this endpoint (unit prices go with 2 decimals)
    "purchase_orders.create": Operation("create_purchase_orders", "PurchaseOrders"),
    "purchase_orders.update": Operation("update_or_create_purchase_orders", "PurchaseOrders"),
    "purchase_orders.status": Operation("update_or_create_purchase_orders", "PurchaseOrders"),
    "purchase_orders.attach": Operation("create_purchase_order_attachment_by_file_name", "Attachments",
                                        batched=False, path=("xero_id", "file_name")),
    "purchase_orders.history": Operation("create_purchase_order_history", "HistoryRecords", batched=False,
                                         path=("xero_id",)),
}
#: how the files of a document are listed, per collection
ATTACHMENT_LISTS = {"Invoices": "get_invoice_attachments", "CreditNotes": "get_credit_note_attachments",
                    "PurchaseOrders": "get_purchase_order_attachments"}


@dataclass(frozen=True)
class DocumentCollection:
    """How Xero lists one kind of document."""

    name: str
    list_method: str
    id_field: str
    number_field: str
    prefix: str  # of its operations


DOCUMENTS = {
    "Invoices": DocumentCollection("Invoices", "get_invoices", "InvoiceID", "InvoiceNumber", "invoices"),
    "CreditNotes": DocumentCollection("CreditNotes", "get_credit_notes", "CreditNoteID", "CreditNoteNumber",
                                      "credit_notes"),
}


class AccountingAdapter:
    """The Accounting API of one organisation, through a :class:`~..client.XeroClient`."""

    def __init__(self, client):
        self.client = client

    @property
    def calls(self):
        """Calls made so far by the client (retries included)."""
        return self.client.calls

    # ------------------------------------------------------------ writes
    def execute(self, operation, body, key, params=None):
        """Send one request of ``operation`` with ``body`` under Idempotency-Key
        ``key``; return the answer's elements of the operation's collection.

        A batched body is ``{collection: [elements]}``, sent with
        ``summarizeErrors=false`` so that each element gets its own answer;
        otherwise ``body`` is the object (or the file's bytes) sent to the
        path named by ``params``."""
        op = OPERATIONS[operation]
        params = params or {}
        args = [params[name] for name in op.path]
        if op.batched:
            kwargs = dict(op.kwargs, summarize_errors=False, idempotency_key=key)
        else:
            kwargs = dict(op.kwargs, idempotency_key=key)
        if isinstance(body, dict):
            body = JsonBody(body)  # JSON already: sent as is (see JsonBody)
        response = self.client.accounting(op.method, *args, body, **kwargs)
        return response.data.get(op.collection) or []

    # ------------------------------------------------------------ documents
    def documents_by_numbers(self, collection, numbers):
        """Documents of ``collection`` with any of these numbers (one call per 25)."""
        coll = DOCUMENTS[collection]
        found = []
        for chunk in chunks(sorted(set(numbers)), LOOKUP_CHUNK):
            if collection == "Invoices":
                response = self.client.accounting(coll.list_method, invoice_numbers=chunk)
            else:
                response = self.client.accounting(coll.list_method, where=any_equal(coll.number_field, chunk))
            found += response.data.get(collection) or []
        return found

    def documents_by_ids(self, collection, ids):
        """Documents of ``collection`` with these ids (at most :data:`FETCH_CHUNK`)."""
        coll = DOCUMENTS[collection]
        if collection == "Invoices":
            response = self.client.accounting(coll.list_method, i_ds=list(ids))
        else:
            response = self.client.accounting(coll.list_method, where=any_guid(coll.id_field, ids))
        return response.data.get(collection) or []

    def document_count(self, collection, since=None):
        """How many documents of ``collection`` changed since ``since`` (None
        when Xero gives no count): asks for a page of one."""
        kwargs = {"page": 1, "page_size": 1}
        if since:
            kwargs["if_modified_since"] = if_modified_since(since)
        data = self.client.accounting(DOCUMENTS[collection].list_method, **kwargs).data
        return (data.get("pagination") or {}).get("itemCount")

    def document_page(self, collection, number, since=None, size=MAX_PAGE):
        """Page ``number`` (of ``size``) of the documents changed since ``since``, by id."""
        coll = DOCUMENTS[collection]
        kwargs = {"page": number, "page_size": size, "order": f"{coll.id_field} ASC"}
        if since:
            kwargs["if_modified_since"] = if_modified_since(since)
        return page_of(self.client.accounting(coll.list_method, **kwargs), collection, number, size)

    def attachments_of(self, collection, xero_id):
        """The files attached to a document (invoice, credit note, purchase order) in Xero."""
        return self.client.accounting(ATTACHMENT_LISTS[collection], xero_id).data.get("Attachments") or []

    # ------------------------------------------------------------ purchase orders
    def purchase_order(self, key):
        """One purchase order by PurchaseOrderID or PurchaseOrderNumber (DELETED
        ones too), or None (a 404 is raised as XeroNotFoundError)."""
        method = "get_purchase_order" if is_uuid(key) else "get_purchase_order_by_number"
        orders = self.client.accounting(method, key).data.get("PurchaseOrders") or []
        return orders[0] if orders else None

    def purchase_order_page(self, number, since=None, date_from=None, date_to=None, size=MAX_PAGE):
        """Page ``number`` of the purchase orders changed since ``since`` (dated
        ``date_from`` to ``date_to`` when given), by id. The endpoint has no
        ``where``: these are the filters the spec gives it."""
        kwargs = {"page": number, "page_size": size, "order": "PurchaseOrderID ASC"}
        if since:
            kwargs["if_modified_since"] = if_modified_since(since)
        if date_from:
            kwargs["date_from"] = str(date_from)
        if date_to:
            kwargs["date_to"] = str(date_to)
        return page_of(self.client.accounting("get_purchase_orders", **kwargs), "PurchaseOrders", number, size)

    def purchase_orders_changed(self, since, date_from=None, date_to=None):
        """Every purchase order changed since ``since`` (dated ``date_from`` to
        ``date_to`` when given), all pages."""
        found, number = [], 1
        while True:
            page = self.purchase_order_page(number, since=since, date_from=date_from, date_to=date_to)
            found += page.elements
            if page.last:
                return found
            number += 1

    def purchase_order_history(self, xero_id):
        """The history records of a purchase order."""
        return self.client.accounting("get_purchase_order_history", xero_id).data.get("HistoryRecords") or []

    def currencies(self):
        """The currency codes enabled in the organisation."""
        return [c.get("Code") for c in self.client.accounting("get_currencies").data.get("Currencies") or []]

    # ------------------------------------------------------------ payments
    def payment_page(self, number, since=None, size=MAX_PAGE):
        """Page ``number`` (of ``size``) of the payments changed since ``since``,
        by id (an id never changes: a payment changed while the pages are read
        can show twice but never push another off a page)."""
        kwargs = {"page": number, "page_size": size, "order": "PaymentID ASC"}
        if since:
            kwargs["if_modified_since"] = if_modified_since(since)
        return page_of(self.client.accounting("get_payments", **kwargs), "Payments", number, size)

    def payments_of_documents(self, collection, ids):
        """The payments of these documents (ids of ``collection``)."""
        field_name = "Invoice.InvoiceID" if collection == "Invoices" else "CreditNote.CreditNoteID"
        response = self.client.accounting("get_payments", where=any_guid(field_name, ids))
        return response.data.get("Payments") or []

    # ------------------------------------------------------------ contacts
    def contact_page(self, number, size=MAX_PAGE, since=None):
        """Page ``number`` of every contact (archived ones too, so a removal
        never shifts a page), by ContactID, changed since ``since``."""
        kwargs = {"page": number, "page_size": size, "order": "ContactID", "include_archived": True}
        if since:
            kwargs["if_modified_since"] = if_modified_since(since)
        return page_of(self.client.accounting("get_contacts", **kwargs), "Contacts", number, size)

    def contacts_by_ids(self, ids):
        """These contacts (archived ones too)."""
        response = self.client.accounting("get_contacts", i_ds=list(ids), include_archived=True)
        return response.data.get("Contacts") or []

    def contacts_by_names(self, names):
        """Contacts (archived ones too) named exactly any of ``names``."""
        found = []
        for chunk in chunks(sorted(set(names)), LOOKUP_CHUNK):
            response = self.client.accounting("get_contacts", where=any_equal("Name", chunk), include_archived=True)
            found += response.data.get("Contacts") or []
        return found

    def contact_history(self, contact_id):
        """The history records of a contact (notes and changes)."""
        return self.client.accounting("get_contact_history", contact_id).data.get("HistoryRecords") or []

    def contact_search(self, term, by, number, size):
        """Page ``number`` of the contacts matching ``term``: by account
        number exactly, else Xero's search on name, e-mail and numbers."""
        kwargs = {"page": number, "page_size": size, "include_archived": True, "order": "Name"}
        if by == "account":
            kwargs["where"] = any_equal("AccountNumber", [term])
        else:
            kwargs["search_term"] = term
        return page_of(self.client.accounting("get_contacts", **kwargs), "Contacts", number, size)

    def contact(self, contact_id):
        """One contact by id, or None (a 404 is raised as XeroNotFoundError)."""
        contacts = self.client.accounting("get_contact", contact_id).data.get("Contacts") or []
        return contacts[0] if contacts else None

    # ------------------------------------------------------------ settings
    def accounts(self):
        return self.client.accounting("get_accounts").data.get("Accounts") or []

    def tax_rates(self):
        return self.client.accounting("get_tax_rates").data.get("TaxRates") or []

    def tracking_categories(self):
        """Categories, archived ones too, with their options."""
        return self.client.accounting("get_tracking_categories", include_archived=True) \
            .data.get("TrackingCategories") or []

    def items(self):
        return self.client.accounting("get_items").data.get("Items") or []

    # ------------------------------------------------------------ choosing contacts, deep links
    def contact_choice_page(self, number, size, term=None, role=None):
        """Page ``number`` (of ``size``) of the active contacts, by name, for a
        user choosing which to import: Xero's search on ``term`` (name, e-mail,
        numbers), and ``role`` "customer" or "supplier" keeps the contacts Xero
        flags so plus those it flags neither (Xero sets the flags only once a
        contact has documents: a new contact is not hidden)."""
        kwargs = {"page": number, "page_size": size, "order": "Name"}
        if term:
            kwargs["search_term"] = term
        if role in ("customer", "supplier"):
            flag = "IsCustomer" if role == "customer" else "IsSupplier"
            kwargs["where"] = f"{flag}==true OR (IsCustomer==false AND IsSupplier==false)"
        return page_of(self.client.accounting("get_contacts", **kwargs), "Contacts", number, size)

    def organisation(self):
        """The organisation (its ``ShortCode`` makes Xero's deep links)."""
        found = self.client.accounting("get_organisations").data.get("Organisations") or []
        return found[0] if found else {}
