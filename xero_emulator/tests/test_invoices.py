"""Invoices through xero-python: totals, validation rules, statuses, batches."""

from __future__ import annotations

import datetime
import json
import time

import pytest
from helpers import contact_id, create_invoice, invoice, line, pay
from xero_python.accounting import Contact, CurrencyCode, Invoice, Invoices, LineAmountTypes, LineItem, LineItemTracking
from xero_python.exceptions import AccountingBadRequestException

from xero_emulator import DEMO

T = DEMO.tenant_id


def errors_of(exc: AccountingBadRequestException) -> list[str]:
    """All validation messages of a 400 ValidationException."""
    data = json.loads(exc.body)
    assert data["Type"] == "ValidationException" and data["ErrorNumber"] == 10
    return [v["Message"] for el in data["Elements"] for v in el["ValidationErrors"]]


def test_create_exclusive_totals_and_envelope(xero):
    res = xero.accounting.create_invoices(
        T,
        Invoices(
            invoices=[invoice(lines=[line(10.005, qty=3), line(19.99, qty=1, discount_rate=10)], status="AUTHORISED")]
        ),
    )
    inv = res.invoices[0]
    # 3 x 10.01 = 30.03 ; 19.99 x 0.9 = 17.991 -> 17.99 ; tax 15 % per line rounded: 4.50 + 2.70
    assert [float(x.line_amount) for x in inv.line_items] == [30.03, 17.99]
    assert [float(x.tax_amount) for x in inv.line_items] == [4.50, 2.70]
    assert float(inv.sub_total) == 48.02 and float(inv.total_tax) == 7.20 and float(inv.total) == 55.22
    assert float(inv.amount_due) == 55.22 and inv.status == "AUTHORISED"
    assert inv.invoice_number == "INV-0001" and inv.invoice_id and inv.updated_date_utc is not None
    raw = json.loads(xero.api_client.last_response.data)
    assert raw["Status"] == "OK" and raw["ProviderName"] and raw["DateTimeUTC"].startswith("/Date(")
    assert raw["Invoices"][0]["UpdatedDateUTC"].endswith("+0000)/")


def test_inclusive_notax_and_unitdp4(xero):
    inc = create_invoice(xero, lines=[line(115, qty=1)], line_amount_types=LineAmountTypes.INCLUSIVE)
    assert float(inc.total) == 115.0 and float(inc.total_tax) == 15.0 and float(inc.sub_total) == 100.0
    notax = create_invoice(xero, lines=[line(50)], line_amount_types=LineAmountTypes.NOTAX)
    assert float(notax.total_tax) == 0 and notax.line_items[0].tax_type == "NONE"
    res = xero.accounting.create_invoices(T, Invoices(invoices=[invoice(lines=[line(1.23456, qty=10)])]), unitdp=4)
    assert float(res.invoices[0].line_items[0].unit_amount) == 1.2346
    assert float(res.invoices[0].line_items[0].line_amount) == 12.35


def test_inline_contact_created_and_reused(xero, emu):
    create_invoice(xero, contact_name="Brand New Client")
    create_invoice(xero, contact_name="brand new client")
    names = [c["Name"] for c in emu.dump()[T]["Contacts"]]
    assert names.count("Brand New Client") == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"lines": [line(10, account="999")]}, "Account code '999' is not a valid code for this document."),
        ({"lines": [line(10, account="090")]}, "Account code '090' is not a valid code for this document."),
        ({"lines": [line(10, account="499")]}, "Account code '499' is not a valid code for this document."),
        (
            {"lines": [line(10, tax="BOGUS")]},
            "The TaxType code 'BOGUS' does not exist or cannot be used for this type of transaction.",
        ),
        (
            {"lines": [line(10, tax="TAX001")]},
            "The TaxType code 'TAX001' does not exist or cannot be used for this type of transaction.",
        ),
        (
            {"lines": [line(10, account="200", tax="INPUT")]},
            "The TaxType code 'INPUT' cannot be used with account code '200'.",
        ),
        ({"currency_code": CurrencyCode.JPY}, "Organisation is not subscribed to currency JPY"),
        (
            {"contact_name": "Old Partner Ltd"},
            "The contact 'Old Partner Ltd' is archived. Transactions cannot be created for archived contacts.",
        ),
        (
            {"total": 999},
            "The document total does not equal the sum of the lines. (Total sent 999.00, calculated 115.00)",
        ),
        (
            {"total_tax": 1},
            "The total tax does not equal the sum of the tax on the lines. (TotalTax sent 1.00, calculated 15.00)",
        ),
    ],
)
def test_validation_rules(xero, kwargs, message):
    with pytest.raises(AccountingBadRequestException) as err:
        create_invoice(xero, **kwargs)
    assert message in errors_of(err.value)
    assert err.value.reason == errors_of(err.value)[0]


def test_line_amount_mismatch_and_tracking_rules(xero):
    bad_line = LineItem(description="x", quantity=2, unit_amount=10, line_amount=25, account_code="200")
    with pytest.raises(AccountingBadRequestException) as err:
        create_invoice(xero, lines=[bad_line])
    assert "The line total 25.00 does not match the expected line total 20.00" in errors_of(err.value)
    tracked = line(
        10,
        tracking=[LineItemTracking(name="Region", option="North"), LineItemTracking(name="Department", option="Sales")],
    )
    inv = create_invoice(xero, lines=[tracked])
    assert {t.option for t in inv.line_items[0].tracking} == {"North", "Sales"}
    with pytest.raises(AccountingBadRequestException) as err:
        create_invoice(xero, lines=[line(10, tracking=[LineItemTracking(name="Region", option="Moon")])])
    assert "The TrackingOption 'Moon' does not exist for TrackingCategory 'Region'." in errors_of(err.value)
    three = [
        LineItemTracking(name="Region", option="North"),
        LineItemTracking(name="Department", option="Sales"),
        LineItemTracking(name="Region", option="South"),
    ]
    with pytest.raises(AccountingBadRequestException) as err:
        create_invoice(xero, lines=[line(10, tracking=three)])
    assert "A maximum of 2 tracking categories can be applied to a line item." in errors_of(err.value)


def test_contact_required_and_unknown(xero):
    with pytest.raises(AccountingBadRequestException) as err:
        xero.accounting.create_invoices(T, Invoices(invoices=[Invoice(type="ACCREC", line_items=[line()])]))
    assert "A Contact must be specified for this type of transaction" in errors_of(err.value)
    with pytest.raises(AccountingBadRequestException):
        xero.accounting.create_invoices(
            T,
            Invoices(
                invoices=[
                    Invoice(
                        type="ACCREC",
                        contact=Contact(contact_id="00000000-0000-0000-0000-000000000001"),
                        line_items=[line()],
                    )
                ]
            ),
        )


def test_invoice_number_unique_and_post_updates_by_number(xero, emu):
    create_invoice(xero, invoice_number="ABC-1")
    with pytest.raises(AccountingBadRequestException) as err:
        create_invoice(xero, invoice_number="abc-1")
    assert "Invoice # must be unique." in errors_of(err.value)
    # ACCPAY numbers are the supplier's references and need not be unique
    create_invoice(
        xero, inv_type="ACCPAY", contact_name="ABC Furniture", invoice_number="S-1", lines=[line(5, account="429")]
    )
    create_invoice(
        xero, inv_type="ACCPAY", contact_name="ABC Furniture", invoice_number="S-1", lines=[line(5, account="429")]
    )
    # POST without InvoiceID but with an existing ACCREC number updates that invoice
    upd = xero.accounting.update_or_create_invoices(
        T, Invoices(invoices=[Invoice(type="ACCREC", invoice_number="ABC-1", reference="updated")])
    ).invoices[0]
    assert upd.reference == "updated"
    assert sum(1 for i in emu.dump()[T]["Invoices"] if i.get("InvoiceNumber") == "ABC-1") == 1


def test_batch_summarize_errors_false_saves_good_ones(xero, emu):
    batch = Invoices(
        invoices=[invoice(), invoice(lines=[line(1, account="999")]), invoice(contact_name="Bayside Club")]
    )
    res = xero.accounting.create_invoices(T, batch, summarize_errors=False)
    flags = [(bool(i.has_errors), i.status_attribute_string) for i in res.invoices]
    assert flags == [(False, "OK"), (True, "ERROR"), (False, "OK")]
    assert res.invoices[1].validation_errors[0].message == "Account code '999' is not a valid code for this document."
    assert len(emu.dump()[T]["Invoices"]) == 2


def test_batch_default_is_all_or_nothing(xero, emu):
    batch = Invoices(invoices=[invoice(), invoice(lines=[line(1, account="999")])])
    with pytest.raises(AccountingBadRequestException) as err:
        xero.accounting.create_invoices(T, batch)
    data = json.loads(err.value.body)
    assert data["Message"] == "A validation exception occurred" and len(data["Elements"]) == 1
    assert emu.dump()[T]["Invoices"] == []


def test_fifty_invoices_in_one_request_is_fast(xero, emu):
    emu.validate = False
    batch = Invoices(invoices=[invoice(lines=[line(i + 1), line(2, qty=3)]) for i in range(50)])
    res = xero.accounting.create_invoices(T, batch)
    assert len(res.invoices) == 50 and res.invoices[-1].invoice_number == "INV-0050"
    # the server's share of the work, timed without xero-python's (de)serialisation: best of 3
    from email.message import Message

    from xero_emulator.wire import Request

    headers = Message()
    headers["Authorization"] = "Bearer " + xero.token["access_token"]
    headers["xero-tenant-id"] = T
    raw = json.dumps(
        {
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"Name": f"Perf {i % 5}"},
                    "Status": "AUTHORISED",
                    "LineItems": [{"Description": "a", "Quantity": 2, "UnitAmount": 10.5, "AccountCode": "200"}],
                }
                for i in range(50)
            ]
        }
    ).encode()
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        resp = emu.dispatch(Request("PUT", "/api.xro/2.0/Invoices", {}, headers, raw))
        timings.append(time.perf_counter() - start)
        assert resp.status == 200
    assert min(timings) < 0.1, timings


def test_status_rules(xero):
    draft = create_invoice(xero)
    sub = xero.accounting.update_invoice(
        T, draft.invoice_id, Invoices(invoices=[Invoice(status="SUBMITTED")])
    ).invoices[0]
    assert sub.status == "SUBMITTED"
    auth = xero.accounting.update_invoice(
        T, draft.invoice_id, Invoices(invoices=[Invoice(status="AUTHORISED")])
    ).invoices[0]
    assert auth.status == "AUTHORISED"
    for status in ("DELETED", "DRAFT", "PAID"):
        with pytest.raises(AccountingBadRequestException) as err:
            xero.accounting.update_invoice(T, draft.invoice_id, Invoices(invoices=[Invoice(status=status)]))
        assert "Invoice not of valid status for modification" in errors_of(err.value)
    pay(xero, draft.invoice_id, 10)
    with pytest.raises(AccountingBadRequestException) as err:
        xero.accounting.update_invoice(T, draft.invoice_id, Invoices(invoices=[Invoice(status="VOIDED")]))
    assert "This document cannot be voided as it has payments allocated" in errors_of(err.value)
    with pytest.raises(AccountingBadRequestException) as err:
        xero.accounting.update_invoice(T, draft.invoice_id, Invoices(invoices=[Invoice(line_items=[line(500)])]))
    assert "This document cannot be edited as it has a payment or credit note allocated to it." in errors_of(err.value)
    other = create_invoice(xero, status="AUTHORISED")
    voided = xero.accounting.update_invoice(
        T, other.invoice_id, Invoices(invoices=[Invoice(status="VOIDED")])
    ).invoices[0]
    assert voided.status == "VOIDED"
    with pytest.raises(AccountingBadRequestException):
        xero.accounting.update_invoice(T, other.invoice_id, Invoices(invoices=[Invoice(line_items=[line(1)])]))
    deleted = create_invoice(xero)
    gone = xero.accounting.update_invoice(
        T, deleted.invoice_id, Invoices(invoices=[Invoice(status="DELETED")])
    ).invoices[0]
    assert gone.status == "DELETED"
    with pytest.raises(AccountingBadRequestException):
        create_invoice(xero, status="PAID")


def test_paid_invoice_lines_locked(xero):
    inv = create_invoice(xero, status="AUTHORISED", lines=[line(100)])
    pay(xero, inv.invoice_id, 115)
    with pytest.raises(AccountingBadRequestException) as err:
        xero.accounting.update_invoice(T, inv.invoice_id, Invoices(invoices=[Invoice(line_items=[line(100, qty=2)])]))
    assert "Invoice not of valid status for modification" in errors_of(err.value)
    same = xero.accounting.update_invoice(T, inv.invoice_id, Invoices(invoices=[Invoice(reference="ok on paid")]))
    assert same.invoices[0].reference == "ok on paid" and same.invoices[0].status == "PAID"


def test_get_by_id_number_and_404(xero):
    from xero_python.exceptions import NotFoundException

    inv = create_invoice(xero, status="AUTHORISED", date=datetime.date(2024, 1, 31))
    got = xero.accounting.get_invoice(T, inv.invoice_id).invoices[0]
    assert got.invoice_number == inv.invoice_number and got.date == datetime.date(2024, 1, 31)
    assert got.contact.contact_id == contact_id(xero, "Basket Case")
    by_number = xero.accounting.get_invoice(T, inv.invoice_number).invoices[0]
    assert by_number.invoice_id == inv.invoice_id
    with pytest.raises(NotFoundException):
        xero.accounting.get_invoice(T, "00000000-0000-0000-0000-000000000000")


def test_accpay_bill_and_contact_flags(xero):
    bill = create_invoice(
        xero,
        inv_type="ACCPAY",
        contact_name="Brand New Supplier",
        status="AUTHORISED",
        lines=[line(40, account="429")],
        invoice_number="SUP-99",
    )
    assert bill.type == "ACCPAY" and float(bill.total) == 46.0 and bill.invoice_number == "SUP-99"
    supplier = xero.accounting.get_contact(T, bill.contact.contact_id).contacts[0]
    assert supplier.is_supplier is True and supplier.is_customer is False


def test_body_over_3_5_mb_is_refused(emu, xero):
    import requests

    headers = {
        "Authorization": "Bearer " + xero.token["access_token"],
        "xero-tenant-id": T,
        "Content-Type": "application/json",
    }
    big = {"Invoices": [{"Type": "ACCREC", "Contact": {"Name": "Big"}, "Reference": "x" * 3_600_000}]}
    resp = requests.put(emu.base_url + "/api.xro/2.0/Invoices", data=json.dumps(big), headers=headers, timeout=10)
    assert resp.status_code == 413
    assert emu.dump()[T]["Invoices"] == []


def test_update_by_number_in_path_and_line_item_ids_kept(xero):
    inv = create_invoice(xero, lines=[line(10), line(20)])
    upd = xero.accounting.update_invoice(
        T,
        inv.invoice_number,
        Invoices(
            invoices=[
                Invoice(
                    line_items=[
                        LineItem(
                            line_item_id=inv.line_items[0].line_item_id,
                            description="changed",
                            quantity=1,
                            unit_amount=10,
                            account_code="200",
                        )
                    ]
                )
            ]
        ),
    )
    got = upd.invoices[0]
    assert got.invoice_id == inv.invoice_id and len(got.line_items) == 1
    assert got.line_items[0].line_item_id == inv.line_items[0].line_item_id and float(got.total) == 11.5
