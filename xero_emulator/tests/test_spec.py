"""The OpenAPI validator really rejects invalid bodies, including deep inside recursive schemas."""

from __future__ import annotations

import requests
from helpers import create_invoice, pay

from xero_emulator import DEMO

T = DEMO.tenant_id
GOOD = {
    "Invoices": [
        {
            "Type": "ACCREC",
            "Contact": {"Name": "Spec Co"},
            "Date": "/Date(1768435200000+0000)/",
            "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200"}],
        }
    ]
}


def test_validator_accepts_good_and_rejects_bad_bodies(emu):
    spec = emu.spec
    assert spec.validate_request("accounting", "PUT", "/Invoices", GOOD) == []
    bad_type = {"Invoices": [dict(GOOD["Invoices"][0], Type=123)]}
    errors = spec.validate_request("accounting", "PUT", "/Invoices", bad_type)
    assert errors and "Invoices/0/Type" in errors[0]
    bad_lines = {"Invoices": [dict(GOOD["Invoices"][0], LineItems="x")]}
    assert any("LineItems" in e for e in spec.validate_request("accounting", "PUT", "/Invoices", bad_lines))
    bad_enum = {"Invoices": [dict(GOOD["Invoices"][0], Status="FINISHED")]}
    assert spec.validate_request("accounting", "PUT", "/Invoices", bad_enum)
    bad_uuid = {"Invoices": [dict(GOOD["Invoices"][0], InvoiceID="not-a-uuid")]}
    assert spec.validate_request("accounting", "PUT", "/Invoices", bad_uuid)


def test_recursive_schemas_are_followed(emu):
    """Invoice -> Payments[] -> Payment.Invoice -> Invoice -> CreditNotes[] -> Allocations[] ..."""
    deep = {
        "Invoices": [
            {
                "Type": "ACCREC",
                "Payments": [
                    {
                        "Amount": 1,
                        "Invoice": {
                            "Type": "ACCREC",
                            "CreditNotes": [
                                {
                                    "Allocations": [
                                        {"Amount": "not a number", "Date": "/Date(0)/", "Invoice": {"Type": "ACCPAY"}}
                                    ]
                                }
                            ],
                        },
                    }
                ],
            }
        ]
    }
    errors = emu.spec.validate_request("accounting", "PUT", "/Invoices", deep)
    assert any("Payments/0/Invoice/CreditNotes/0/Allocations/0/Amount" in e for e in errors), errors
    fixed = {
        "Invoices": [
            {
                "Type": "ACCREC",
                "Payments": [
                    {
                        "Amount": 1,
                        "Invoice": {
                            "Type": "ACCREC",
                            "CreditNotes": [
                                {"Allocations": [{"Amount": 2, "Date": "/Date(0)/", "Invoice": {"Type": "ACCPAY"}}]}
                            ],
                        },
                    }
                ],
            }
        ]
    }
    assert emu.spec.validate_request("accounting", "PUT", "/Invoices", fixed) == []


def test_responses_validate_and_bad_requests_are_recorded(emu, xero):
    inv = create_invoice(xero, status="AUTHORISED")
    pay(xero, inv.invoice_id, 5)
    xero.accounting.get_invoices(T)
    xero.accounting.get_payments(T)
    assert emu.spec_violations() == []
    headers = {"Authorization": "Bearer " + xero.token["access_token"], "xero-tenant-id": T}
    resp = requests.put(
        emu.base_url + "/api.xro/2.0/Invoices",
        headers=headers,
        timeout=5,
        json={"Invoices": [dict(GOOD["Invoices"][0], Type=123)]},
    )
    assert resp.status_code == 400
    found = emu.spec_violations()
    assert found and found[0]["operation"] == "PUT /Invoices" and found[0]["part"] == "request"
    emu.clear_spec_violations()


def test_identity_and_error_responses_are_validated(emu, xero):
    assert emu.spec.validate_response("identity", "GET", "/Connections", 200, [{"id": 5}])
    assert emu.spec.validate_response("accounting", "PUT", "/Invoices", 400, {"Elements": "x"})
    xero.identity.get_connections()
    assert emu.spec_violations() == []
