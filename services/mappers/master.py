"""Xero master data (accounts, tax rates, tracking, items) → Odoo values.

Plain functions: each takes one element as Xero returns it and gives the
values of the Odoo record mirroring it. :func:`changed_values` keeps only
what differs from a record, so a second import writes nothing.
"""

from odoo.tools import float_compare

ACCOUNT_STATUSES = ("ACTIVE", "ARCHIVED")
TAX_STATUSES = ("ACTIVE", "DELETED", "ARCHIVED", "PENDING")
TRACKING_STATUSES = ("ACTIVE", "ARCHIVED")


def _status(value, allowed, default="ACTIVE"):
    value = (value or default).upper()
    return value if value in allowed else default


def account_values(acc):
    """``xero.account`` values of a Xero Account."""
    return {
        "xero_id": acc["AccountID"],
        "code": acc.get("Code") or False,
        "name": acc.get("Name") or acc.get("Code") or acc["AccountID"],
        "type": acc.get("Type") or False,
        "xero_class": acc.get("Class") or False,
        "status": _status(acc.get("Status"), ACCOUNT_STATUSES),
        "tax_type": acc.get("TaxType") or False,
        "enable_payments": bool(acc.get("EnablePaymentsToAccount")),
        "currency_code": acc.get("CurrencyCode") or False,
        "bank_account_number": acc.get("BankAccountNumber") or False,
        "system_account": acc.get("SystemAccount") or False,
        "description": acc.get("Description") or False,
    }


def tax_rate_values(rate):
    """``xero.tax.rate`` values of a Xero TaxRate (``rate`` is the effective %)."""
    effective = rate.get("EffectiveRate")
    if effective is None:
        effective = sum(float(c.get("Rate") or 0) for c in rate.get("TaxComponents") or [])
    return {
        "tax_type": rate["TaxType"],
        "name": rate.get("Name") or rate["TaxType"],
        "rate": float(effective or 0.0),
        "status": _status(rate.get("Status"), TAX_STATUSES),
        "report_tax_type": rate.get("ReportTaxType") or False,
        "can_apply_to_revenue": bool(rate.get("CanApplyToRevenue")),
        "can_apply_to_expenses": bool(rate.get("CanApplyToExpenses")),
    }


def tracking_category_values(cat):
    return {
        "xero_id": cat["TrackingCategoryID"],
        "name": cat.get("Name") or "",
        "status": _status(cat.get("Status"), TRACKING_STATUSES),
    }


def tracking_option_values(opt):
    return {
        "xero_id": opt["TrackingOptionID"],
        "name": opt.get("Name") or "",
        "status": _status(opt.get("Status"), TRACKING_STATUSES),
    }


def product_values(item):
    """product.product values of a Xero Item (code → internal reference)."""
    sales = item.get("SalesDetails") or {}
    purchase = item.get("PurchaseDetails") or {}
    values = {
        "name": item.get("Name") or item["Code"],
        "default_code": item["Code"],
        "description_sale": item.get("Description") or False,
        "description_purchase": item.get("PurchaseDescription") or False,
        "sale_ok": bool(item.get("IsSold", True)),
        "purchase_ok": bool(item.get("IsPurchased", False)),
    }
    if sales.get("UnitPrice") is not None:
        values["list_price"] = float(sales["UnitPrice"])
    if purchase.get("UnitPrice") is not None:
        values["standard_price"] = float(purchase["UnitPrice"])
    return values


def changed_values(record, values):
    """The part of ``values`` that differs from ``record`` (many2one by id,
    floats by their field's precision, False/'' as equal)."""
    out = {}
    for name, value in values.items():
        field = record._fields[name]
        current = record[name]
        if field.type == "many2one":
            if (current.id or False) != (value or False):
                out[name] = value
        elif field.type in ("float", "monetary"):
            digits = field.get_digits(record.env) if hasattr(field, "get_digits") else None
            precision = digits[1] if digits and digits[1] is not None else 6
            if float_compare(current or 0.0, value or 0.0, precision_digits=precision):
                out[name] = value
        elif field.type in ("one2many", "many2many"):
            out[name] = value
        elif (current or False) != (value or False):
            out[name] = value
    return out
