"""Organisation, Currencies, Accounts, TaxRates, TrackingCategories, Items; tenant isolation."""

from __future__ import annotations

import pytest
from conftest import make_client
from helpers import create_invoice, line
from xero_python.accounting import (
    Account,
    Accounts,
    AccountType,
    Currency,
    CurrencyCode,
    Item,
    Items,
    Purchase,
    TaxComponent,
    TaxRate,
    TaxRates,
    TrackingCategory,
    TrackingOption,
)
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

from xero_emulator import DEMO

T = DEMO.tenant_id


def test_organisation_and_currencies(xero):
    org = xero.accounting.get_organisations(T).organisations[0]
    assert org.name == DEMO.tenant_name and org.base_currency == CurrencyCode.USD and org.organisation_id == T
    codes = [c.code.value for c in xero.accounting.get_currencies(T).currencies]
    assert codes == ["USD", "EUR", "GBP", "AUD", "NZD"]
    with pytest.raises(AccountingBadRequestException):
        create_invoice(xero, currency_code=CurrencyCode.CAD)
    xero.accounting.create_currency(T, Currency(code=CurrencyCode.CAD, description="Canadian Dollar"))
    inv = create_invoice(xero, currency_code=CurrencyCode.CAD)
    assert inv.currency_code == CurrencyCode.CAD and float(inv.currency_rate) > 0


def test_chart_of_accounts(xero):
    accounts = {a.code: a for a in xero.accounting.get_accounts(T).accounts}
    for code in ("090", "200", "260", "310", "400", "429", "610", "800", "820", "860"):
        assert code in accounts
    assert accounts["090"].type == AccountType.BANK and accounts["499"].status == "ARCHIVED"
    created = xero.accounting.create_account(T, Account(code="201", name="Consulting Income", type=AccountType.REVENUE))
    acc = created.accounts[0]
    assert acc.tax_type == "OUTPUT" and acc.status == "ACTIVE" and acc.account_id
    with pytest.raises(AccountingBadRequestException) as err:
        xero.accounting.create_account(T, Account(code="201", name="Other", type=AccountType.REVENUE))
    assert err.value.reason == "Please enter a unique Code."
    upd = xero.accounting.update_account(T, acc.account_id, Accounts(accounts=[Account(status="ARCHIVED")]))
    assert upd.accounts[0].status == "ARCHIVED"
    with pytest.raises(AccountingBadRequestException):
        create_invoice(xero, lines=[line(1, account="201")])
    assert xero.accounting.get_account(T, acc.account_id).accounts[0].code == "201"
    deleted = xero.accounting.delete_account(T, acc.account_id).accounts[0]
    assert deleted.status == "DELETED"


def test_tax_rates(xero):
    rates = {r.tax_type: r for r in xero.accounting.get_tax_rates(T).tax_rates}
    assert float(rates["OUTPUT"].effective_rate) == 15 and rates["TAX001"].status == "DELETED"
    assert rates["OUTPUT"].can_apply_to_revenue and not rates["OUTPUT"].can_apply_to_expenses
    new = xero.accounting.create_tax_rates(
        T, TaxRates(tax_rates=[TaxRate(name="Reduced 5%", tax_components=[TaxComponent(name="State", rate=5)])])
    ).tax_rates[0]
    assert new.tax_type.startswith("TAX") and float(new.effective_rate) == 5
    inv = create_invoice(xero, lines=[line(100, tax=new.tax_type)])
    assert float(inv.total_tax) == 5
    assert xero.accounting.get_tax_rate_by_tax_type(T, "INPUT").tax_rates[0].name == "Tax on Purchases"


def test_tracking_categories(xero):
    cats = xero.accounting.get_tracking_categories(T).tracking_categories
    region = next(c for c in cats if c.name == "Region")
    assert [o.name for o in region.options] == ["North", "South", "East", "West"]
    assert {c.name for c in cats} == {"Region", "Department"}
    opts = xero.accounting.create_tracking_options(T, region.tracking_category_id, TrackingOption(name="Central"))
    assert opts.options[0].name == "Central"
    with pytest.raises(AccountingBadRequestException):
        xero.accounting.create_tracking_category(T, TrackingCategory(name="Third"))
    one = xero.accounting.get_tracking_category(T, region.tracking_category_id).tracking_categories[0]
    assert "Central" in [o.name for o in one.options]


def test_items(xero):
    items = {i.code: i for i in xero.accounting.get_items(T).items}
    assert {"BOOK", "DevD", "GB1-White"} <= set(items)
    inv = create_invoice(xero, lines=[line(None, qty=2, account=None, item_code="BOOK", description=None)])
    assert float(inv.line_items[0].unit_amount) == 19.95 and inv.line_items[0].account_code == "200"
    created = xero.accounting.create_items(
        T,
        Items(
            items=[
                Item(
                    code="SVC-1",
                    name="Service",
                    sales_details=Purchase(unit_price=50, account_code="200", tax_type="OUTPUT"),
                )
            ]
        ),
    )
    assert created.items[0].item_id
    with pytest.raises(AccountingBadRequestException) as err:
        xero.accounting.create_items(T, Items(items=[Item(code="svc-1", name="Dup")]))
    assert "already exists" in err.value.reason
    upd = xero.accounting.update_or_create_items(T, Items(items=[Item(code="SVC-1", name="Service v2")]))
    assert upd.items[0].item_id == created.items[0].item_id and upd.items[0].name == "Service v2"
    xero.accounting.delete_item(T, created.items[0].item_id)
    with pytest.raises(NotFoundException):
        xero.accounting.get_item(T, created.items[0].item_id)


def test_tenants_are_isolated(emu, xero):
    second = emu.add_organisation("Isolated Co")
    both = make_client(emu, tenant_ids=[T, second])
    create_invoice(both, contact_name="Only In Demo")
    other_contacts = [c.name for c in both.accounting.get_contacts(second).contacts]
    assert "Only In Demo" not in other_contacts and "Basket Case" in other_contacts
    assert both.accounting.get_invoices(second).invoices == []
    dump = emu.dump()
    assert len(dump[T]["Invoices"]) == 1 and dump[second]["Invoices"] == []
    demo_ids = {a["AccountID"] for a in dump[T]["Accounts"]}
    assert demo_ids.isdisjoint(a["AccountID"] for a in dump[second]["Accounts"])
