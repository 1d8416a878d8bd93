"""Purchase orders through xero-python; every request and response is validated against the spec."""

from __future__ import annotations

import datetime
import json

import pytest
from conftest import make_client
from helpers import contact_id, create_invoice, errors_of, po, po_line
from helpers import create_po as create
from helpers import update_po as update
from xero_python.accounting import (
    Contact,
    Contacts,
    CurrencyCode,
    HistoryRecord,
    HistoryRecords,
    LineAmountTypes,
    LineItem,
    LineItemTracking,
    PurchaseOrder,
    PurchaseOrders,
)
from xero_python.exceptions import AccountingBadRequestException, HTTPStatusException, NotFoundException

from xero_emulator import DEMO
from xero_emulator.purchase_orders import NO_NEW_CONTACT, NOT_VALID_FOR_CREATION, NOT_VALID_STATUS, SENT_WARNING

T = DEMO.tenant_id
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def supplier(xero) -> str:
    """ContactID of the demo supplier ABC Furniture."""
    return contact_id(xero, "ABC Furniture")


def test_create_every_field_totals_numbers_and_reads(xero, emu, supplier):
    full = po(
        supplier,
        lines=[
            LineItem(item_code="BOOK", quantity=3),  # the item's purchase price, account and tax
            po_line(
                19.99,
                qty=2,
                tax_type="INPUT",
                discount_rate=10,
                tracking=[LineItemTracking(name="Region", option="North")],
            ),
        ],
        date=datetime.date(2024, 3, 1),
        delivery_date=datetime.date(2024, 3, 10),
        expected_arrival_date=datetime.date(2024, 3, 12),
        delivery_address="1 Dock Road\nPort Town",
        attention_to="Goods In",
        telephone="555-0199",
        reference="REQ-42",
        delivery_instructions="x" * 500,
        currency_code=CurrencyCode.EUR,
        currency_rate=0.9,
        line_amount_types=LineAmountTypes.EXCLUSIVE,
    )
    made = xero.accounting.create_purchase_orders(T, PurchaseOrders(purchase_orders=[full])).purchase_orders[0]
    raw = json.loads(xero.api_client.last_response.data)["PurchaseOrders"][0]
    assert raw["Type"] == "PURCHASEORDER" and raw["Status"] == "DRAFT" and raw["PurchaseOrderNumber"] == "PO-0001"
    # 3 x 12.50 = 37.50 (tax 5.625 -> 5.63); 2 x 19.99 x 0.9 = 35.982 -> 35.98 (tax 5.397 -> 5.40)
    assert [float(x.line_amount) for x in made.line_items] == [37.50, 35.98]
    assert [float(x.tax_amount) for x in made.line_items] == [5.63, 5.40]
    assert (float(made.sub_total), float(made.total_tax), float(made.total)) == (73.48, 11.03, 84.51)
    assert float(made.total_discount) == 4.0 and raw["IsDiscounted"] is True
    book = made.line_items[0]
    assert (book.account_code, book.tax_type, float(book.unit_amount)) == ("310", "INPUT", 12.5)
    assert made.line_items[1].tracking[0].option == "North" and float(made.line_items[1].discount_rate) == 10
    got = xero.accounting.get_purchase_order(T, made.purchase_order_id).purchase_orders[0]
    dates = [d.isoformat() for d in (got.date, got.delivery_date, got.expected_arrival_date)]
    assert dates == ["2024-03-01", "2024-03-10", "2024-03-12"]
    texts = [got.delivery_address, got.attention_to, got.telephone, got.reference]
    assert texts == ["1 Dock Road\nPort Town", "Goods In", "555-0199", "REQ-42"]
    assert got.delivery_instructions == "x" * 500 and got.currency_code == CurrencyCode.EUR
    assert float(got.currency_rate) == 0.9 and got.contact.name == "ABC Furniture" and got.has_attachments is False
    by_number = xero.accounting.get_purchase_order_by_number(T, "PO-0001").purchase_orders[0]
    assert by_number.purchase_order_id == made.purchase_order_id
    assert create(xero, supplier).purchase_order_number == "PO-0002"
    assert create(xero, supplier, purchase_order_number="SUP-7").purchase_order_number == "SUP-7"
    assert create(xero, supplier).purchase_order_number == "PO-0003"
    with pytest.raises(NotFoundException):
        xero.accounting.get_purchase_order_by_number(T, "PO-9999")
    with pytest.raises(NotFoundException):
        xero.accounting.get_purchase_order(T, "00000000-0000-0000-0000-000000000000")
    assert [p["PurchaseOrderNumber"] for p in emu.dump()[T]["PurchaseOrders"]] == [
        "PO-0001",
        "PO-0002",
        "SUP-7",
        "PO-0003",
    ]


def test_unitdp4_inclusive_and_contact_number(xero, supplier):
    api = xero.accounting
    body = PurchaseOrders(purchase_orders=[po(supplier, lines=[po_line(1.23456, qty=10)])])
    made = api.api_client.call_api(
        api.get_resource_url("/PurchaseOrders"),
        "PUT",
        {},
        [("unitdp", 4)],
        {"xero-tenant-id": T, "Accept": "application/json", "Content-Type": "application/json"},
        body=body,
        response_type="PurchaseOrders",
        response_model_finder=api.get_model_finder(),
        auth_settings=["OAuth2"],
        _return_http_data_only=True,
    ).purchase_orders[0]
    assert float(made.line_items[0].unit_amount) == 1.2346 and float(made.line_items[0].line_amount) == 12.35
    plain = create(xero, supplier, lines=[po_line(1.23456, qty=10)])
    assert float(plain.line_items[0].unit_amount) == 1.23 and float(plain.total) == 14.15
    inclusive = create(xero, supplier, lines=[po_line(115)], line_amount_types=LineAmountTypes.INCLUSIVE)
    assert (float(inclusive.sub_total), float(inclusive.total_tax), float(inclusive.total)) == (100, 15, 115)
    api.create_contacts(T, Contacts(contacts=[Contact(name="Numbered Supplier", contact_number="SUP-900")]))
    by_number = api.create_purchase_orders(
        T,
        PurchaseOrders(
            purchase_orders=[PurchaseOrder(contact=Contact(contact_number="SUP-900"), line_items=[po_line()])]
        ),
    ).purchase_orders[0]
    assert by_number.contact.name == "Numbered Supplier"


def test_batch_with_bad_elements(xero, emu, supplier):
    archived = contact_id(xero, "Old Partner Ltd")
    create(xero, supplier, purchase_order_number="TAKEN-1")
    batch = [
        po(supplier, reference="good one"),
        po(supplier, delivery_instructions="y" * 501),
        po(archived),
        po(supplier, lines=[po_line(account="999"), LineItem(item_code="NOPE", quantity=1, unit_amount=1)]),
        PurchaseOrder(contact=Contact(name="ABC Furniture"), line_items=[po_line()]),
        po(supplier, purchase_order_number="TAKEN-1"),
        po(supplier, currency_code=CurrencyCode.JPY, lines=[po_line(tax_type="TAX001", qty=-1)]),
        PurchaseOrder(contact=Contact(contact_id=supplier)),
        po(supplier, reference="good two"),
    ]
    res = xero.accounting.create_purchase_orders(T, PurchaseOrders(purchase_orders=batch), summarize_errors=False)
    outcome = [(p.status_attribute_string, [e.message for e in p.validation_errors or []]) for p in res.purchase_orders]
    assert outcome[0] == ("OK", []) and outcome[-1] == ("OK", [])
    assert outcome[1] == ("ERROR", ["DeliveryInstructions must be 500 characters or less."])
    assert outcome[2][1] == [
        "The contact 'Old Partner Ltd' is archived. Transactions cannot be created for archived contacts."
    ]
    assert outcome[3][1] == [
        "Account code '999' is not a valid code for this document.",
        "Item code 'NOPE' is not valid.",
    ]
    assert outcome[4][1] == [NO_NEW_CONTACT]
    assert outcome[5][1] == ["Order number must be unique"]
    assert set(outcome[6][1]) == {
        "Organisation is not subscribed to currency JPY",
        "The TaxType code 'TAX001' does not exist or cannot be used for this type of transaction.",
        "The quantity value '-1.0000' is invalid. Quantity must not be less than zero.",
    }
    assert outcome[7][1] == ["A purchase order must have at least one line item."]
    stored = [p["Reference"] for p in emu.dump()[T]["PurchaseOrders"] if p.get("Reference")]
    assert stored == ["good one", "good two"]
    assert [p.purchase_order_number for p in res.purchase_orders if p.status_attribute_string == "OK"] == [
        "PO-0001",
        "PO-0002",
    ]
    with pytest.raises(AccountingBadRequestException) as err:  # summarizeErrors: all or nothing
        xero.accounting.create_purchase_orders(T, PurchaseOrders(purchase_orders=[po(supplier), batch[5]]))
    assert errors_of(err.value) == ["Order number must be unique"]
    assert len(emu.dump()[T]["PurchaseOrders"]) == 3


def reach(xero, supplier: str, status: str) -> str:
    """A purchase order in ``status``; returns its id."""
    start = {"BILLED": "AUTHORISED", "DELETED": "DRAFT"}.get(status, status)
    made = create(xero, supplier, status=start)
    if status != start:
        assert update(xero, made.purchase_order_id, status=status).status == status
    return made.purchase_order_id


TRANSITIONS = [
    ("DRAFT", "SUBMITTED", True),
    ("DRAFT", "AUTHORISED", True),
    ("DRAFT", "DELETED", True),
    ("DRAFT", "BILLED", False),
    ("SUBMITTED", "AUTHORISED", True),
    ("SUBMITTED", "DRAFT", True),
    ("SUBMITTED", "DELETED", True),
    ("SUBMITTED", "BILLED", False),
    ("AUTHORISED", "BILLED", True),
    ("AUTHORISED", "DELETED", True),
    ("AUTHORISED", "SUBMITTED", False),
    ("AUTHORISED", "DRAFT", False),
    ("BILLED", "AUTHORISED", False),
    ("BILLED", "DELETED", False),
    ("BILLED", "DRAFT", False),
    ("DELETED", "DRAFT", False),
    ("DELETED", "AUTHORISED", False),
    ("DELETED", "BILLED", False),
]


@pytest.mark.parametrize("start, target, allowed", TRANSITIONS)
def test_status_transitions(xero, supplier, start, target, allowed):
    po_id = reach(xero, supplier, start)
    if allowed:
        assert update(xero, po_id, status=target).status == target
        assert xero.accounting.get_purchase_order(T, po_id).purchase_orders[0].status == target
        return
    with pytest.raises(AccountingBadRequestException) as err:
        update(xero, po_id, status=target)
    assert errors_of(err.value) == [NOT_VALID_STATUS]
    assert xero.accounting.get_purchase_order(T, po_id).purchase_orders[0].status == start


@pytest.mark.parametrize("status", ["BILLED", "DELETED"])
def test_created_only_as_draft_submitted_or_authorised(xero, supplier, status):
    with pytest.raises(AccountingBadRequestException) as err:
        create(xero, supplier, status=status)
    assert errors_of(err.value) == [NOT_VALID_FOR_CREATION]


@pytest.mark.parametrize("final", ["BILLED", "DELETED"])
def test_no_edit_once_billed_or_deleted(xero, emu, supplier, final):
    po_id = reach(xero, supplier, final)
    before = emu.dump()[T]["PurchaseOrders"][0]
    for change in (
        {"reference": "changed"},
        {"line_items": [po_line(5)]},
        {"delivery_date": datetime.date(2030, 1, 1)},
        {"status": final, "attention_to": "Someone"},
    ):
        with pytest.raises(AccountingBadRequestException) as err:
            update(xero, po_id, **change)
        assert errors_of(err.value) == [NOT_VALID_STATUS], change
    assert emu.dump()[T]["PurchaseOrders"][0] == before
    assert update(xero, po_id, status=final).status == final  # a no-op is accepted
    assert emu.dump()[T]["PurchaseOrders"][0]["UpdatedDateUTC"] == before["UpdatedDateUTC"]
    sent = update(xero, po_id, sent_to_contact=True)
    if final == "BILLED":
        assert sent.sent_to_contact is True and not sent.warnings
    else:
        assert sent.sent_to_contact is False and [w.message for w in sent.warnings] == [SENT_WARNING]


def test_edit_draft_sent_to_contact_delete_and_number(xero, emu, supplier):
    made = create(xero, supplier)
    edited = update(xero, made.purchase_order_id, attention_to="Receiving", line_items=[po_line(50, qty=2)])
    assert edited.attention_to == "Receiving" and float(edited.sub_total) == 100 and float(edited.total) == 115
    kept = update(xero, made.purchase_order_id, reference="only this", line_items=[], contact=Contact())
    assert kept.reference == "only this" and float(kept.total) == 115 and kept.contact.name == "ABC Furniture"
    draft_sent = update(xero, made.purchase_order_id, sent_to_contact=True)
    assert draft_sent.sent_to_contact is False and [w.message for w in draft_sent.warnings] == [SENT_WARNING]
    approved = update(xero, made.purchase_order_id, status="AUTHORISED", sent_to_contact=True)
    assert approved.sent_to_contact is True and not approved.warnings
    gone = update(xero, made.purchase_order_id, status="DELETED")
    assert gone.status == "DELETED" and gone.purchase_order_number == "PO-0001"
    assert xero.accounting.get_purchase_order_by_number(T, "PO-0001").purchase_orders[0].status == "DELETED"
    assert create(xero, supplier).purchase_order_number == "PO-0002"  # numbers are not reused
    posted = xero.accounting.update_or_create_purchase_orders(
        T,
        PurchaseOrders(
            purchase_orders=[
                PurchaseOrder(purchase_order_id=made.purchase_order_id, status="DELETED"),
                po(supplier, reference="new via POST"),
            ]
        ),
    ).purchase_orders
    assert [p.status for p in posted] == ["DELETED", "DRAFT"] and posted[1].purchase_order_number == "PO-0003"
    with pytest.raises(AccountingBadRequestException) as err:  # PUT only creates
        xero.accounting.create_purchase_orders(
            T, PurchaseOrders(purchase_orders=[po(supplier, purchase_order_id=made.purchase_order_id)])
        )
    assert "use POST" in errors_of(err.value)[0]
    with pytest.raises(NotFoundException):
        update(xero, "00000000-0000-0000-0000-000000000000", reference="x")


def test_paging_filters_and_order(xero, supplier):
    days = [datetime.date(2024, 1, d) for d in range(1, 31)] * 4 + [datetime.date(2024, 2, 1)] * 5
    statuses = ["DRAFT", "SUBMITTED", "AUTHORISED"]
    batch = [po(supplier, date=day, status=statuses[i % 3]) for i, day in enumerate(days)]
    xero.accounting.create_purchase_orders(T, PurchaseOrders(purchase_orders=batch))
    api = xero.accounting
    first = api.get_purchase_orders(T)  # Xero enforces paging: 100 a page
    assert len(first.purchase_orders) == 100
    p = first.pagination
    assert (p.page, p.page_size, p.page_count, p.item_count) == (1, 100, 2, 125)
    assert len(api.get_purchase_orders(T, page=2).purchase_orders) == 25
    big = api.get_purchase_orders(T, page=1, page_size=1000)
    assert len(big.purchase_orders) == 125 and big.pagination.page_size == 1000
    with pytest.raises(AccountingBadRequestException) as err:
        api.get_purchase_orders(T, page=1, page_size=1001)
    assert "pageSize" in err.value.reason
    approved = api.get_purchase_orders(T, status="AUTHORISED", page_size=1000).purchase_orders
    assert len(approved) == 41 and {x.status for x in approved} == {"AUTHORISED"}
    january_tail = api.get_purchase_orders(T, date_from="2024-01-29", date_to="2024-01-30").purchase_orders
    assert sorted({x.date.day for x in january_tail}) == [29, 30] and len(january_tail) == 8
    february = api.get_purchase_orders(T, date_from="2024-02-01").purchase_orders
    assert len(february) == 5
    ordered = api.get_purchase_orders(T, order="PurchaseOrderNumber DESC", page_size=3).purchase_orders
    assert [x.purchase_order_number for x in ordered] == ["PO-0125", "PO-0124", "PO-0123"]
    by_date = api.get_purchase_orders(T, order="Date DESC", page_size=1).purchase_orders
    assert by_date[0].date == datetime.date(2024, 2, 1)
    raw = api.api_client.call_api(  # where/IDs are not parameters of this endpoint: ignored
        api.get_resource_url("/PurchaseOrders"),
        "GET",
        query_params=[
            ("where", 'Status=="DRAFT"'),
            ("IDs", "00000000-0000-0000-0000-000000000000"),
            ("pageSize", 1000),
        ],
        header_params={"xero-tenant-id": T, "Accept": "application/json"},
        response_type="PurchaseOrders",
        response_model_finder=api.get_model_finder(),
        auth_settings=["OAuth2"],
        _return_http_data_only=True,
    )
    assert len(raw.purchase_orders) == 125


def test_if_modified_since(emu, xero, supplier):
    old = create(xero, supplier)
    emu.advance_clock(3600)
    xero.api_client.refresh_oauth2_token()
    cutoff = datetime.datetime.fromtimestamp(emu.store.clock.now(), tz=datetime.UTC)
    emu.advance_clock(5)
    new = create(xero, supplier)
    modified = xero.accounting.get_purchase_orders(T, if_modified_since=cutoff).purchase_orders
    assert [x.purchase_order_id for x in modified] == [new.purchase_order_id]
    emu.advance_clock(5)
    update(xero, old.purchase_order_id, status="SUBMITTED")
    modified = xero.accounting.get_purchase_orders(T, if_modified_since=cutoff, order="UpdatedDateUTC DESC")
    assert [x.purchase_order_id for x in modified.purchase_orders] == [old.purchase_order_id, new.purchase_order_id]


def test_idempotent_replay(xero, emu, supplier):
    body = PurchaseOrders(purchase_orders=[po(supplier, reference="once")])
    first = xero.accounting.create_purchase_orders(T, body, idempotency_key="po-key-1")
    raw_first = xero.api_client.last_response.data
    again = xero.accounting.create_purchase_orders(T, body, idempotency_key="po-key-1")
    assert again.purchase_orders[0].purchase_order_id == first.purchase_orders[0].purchase_order_id
    assert xero.api_client.last_response.data == raw_first
    assert len(emu.dump()[T]["PurchaseOrders"]) == 1
    sent = [e for e in emu.requests() if e["idempotency_key"] == "po-key-1"]
    assert len(sent) == 2 and sent[0]["body_sha256"] == sent[1]["body_sha256"]
    other = PurchaseOrders(purchase_orders=[po(supplier, reference="twice")])
    with pytest.raises(AccountingBadRequestException) as err:
        xero.accounting.create_purchase_orders(T, other, idempotency_key="po-key-1")
    assert "Idempotency-Key has already been used" in err.value.reason
    assert len(emu.dump()[T]["PurchaseOrders"]) == 1


@pytest.mark.parametrize(
    "scopes, can_read, can_write",
    [
        (["accounting.invoices"], True, True),
        (["accounting.transactions"], True, True),
        (["accounting.invoices.read"], True, False),
        (["accounting.transactions.read"], True, False),
        (["accounting.contacts", "accounting.payments", "accounting.settings"], False, False),
    ],
)
def test_scopes(emu, xero, supplier, scopes, can_read, can_write):
    made = create(xero, supplier)
    limited = make_client(emu, scopes=scopes)
    calls = [
        (can_read, lambda: limited.accounting.get_purchase_orders(T)),
        (can_read, lambda: limited.accounting.get_purchase_order_history(T, made.purchase_order_id)),
        (can_write, lambda: create(limited, supplier)),
        (can_write, lambda: update(limited, made.purchase_order_id, reference="scoped")),
    ]
    for allowed, call in calls:
        if allowed:
            call()
            continue
        with pytest.raises(HTTPStatusException) as err:
            call()
        assert err.value.status == 401 and "insufficient_scope" in err.value.headers["WWW-Authenticate"]
        assert json.loads(err.value.body)["Detail"] == "AuthorizationUnsuccessful: insufficient_scope"


def test_history_attachments_and_no_webhooks(xero, emu, supplier):
    emu.register_webhook("http://127.0.0.1:9/nowhere", "k")  # nothing listens: every event would be recorded
    api = xero.accounting
    made = create(xero, supplier)
    po_id = made.purchase_order_id
    note = api.create_purchase_order_history(
        T, po_id, HistoryRecords(history_records=[HistoryRecord(details="Called the supplier")])
    )
    assert note.history_records[0].details == "Called the supplier"
    update(xero, po_id, status="SUBMITTED", reference="edited")
    records = api.get_purchase_order_history(T, po_id).history_records
    assert [r.changes for r in records] == ["Created", "Note", "PurchaseOrder Edited", "PurchaseOrder Submitted"]
    assert records[0].details == "Purchase order PO-0001 to ABC Furniture for 115.00."
    assert records[3].user == "System Generated" and "'Submitted' through the Xero API" in records[3].details
    att = api.create_purchase_order_attachment_by_file_name(T, po_id, "order.pdf", PDF).attachments[0]
    assert att.file_name == "order.pdf" and att.mime_type == "application/pdf" and att.content_length == len(PDF)
    assert [a.attachment_id for a in api.get_purchase_order_attachments(T, po_id).attachments] == [att.attachment_id]
    with open(api.get_purchase_order_attachment_by_file_name(T, po_id, "order.pdf", "application/pdf"), "rb") as fh:
        assert fh.read() == PDF
    with open(api.get_purchase_order_attachment_by_id(T, po_id, att.attachment_id, "application/pdf"), "rb") as fh:
        assert fh.read() == PDF
    replaced = api.update_purchase_order_attachment_by_file_name(T, po_id, "order.pdf", PDF + b"x").attachments[0]
    assert replaced.attachment_id == att.attachment_id and replaced.content_length == len(PDF) + 1
    assert api.get_purchase_order(T, po_id).purchase_orders[0].has_attachments is True
    for i in range(9):
        api.create_purchase_order_attachment_by_file_name(T, po_id, f"scan{i}.png", b"\x89PNG....")
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_purchase_order_attachment_by_file_name(T, po_id, "eleven.png", b"\x89PNG....")
    assert "maximum of 10 attachments" in err.value.reason
    with pytest.raises(AccountingBadRequestException):
        api.create_purchase_order_attachment_by_file_name(T, po_id, "virus.exe", b"MZ")
    with pytest.raises(NotFoundException):
        api.get_purchase_order_attachments(T, "00000000-0000-0000-0000-000000000000")
    update(xero, po_id, status="AUTHORISED")
    update(xero, po_id, status="BILLED")
    emu.webhooks.flush(5)
    assert emu.webhooks.records() == []  # Xero has no purchase order events
    create_invoice(xero)
    emu.webhooks.flush(5)
    assert [r["payload"]["events"][0]["eventCategory"] for r in emu.webhooks.records()] == ["INVOICE"]
