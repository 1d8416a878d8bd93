"""Line items and totals computed Xero's way (validation.py holds the document rules).

LineAmount = round(Quantity x UnitAmount x (1 - DiscountRate/100), 2); tax is computed and
rounded per line then summed.  For ``Inclusive`` lines tax = LineAmount x rate / (100 + rate).
"""

from __future__ import annotations

from decimal import Decimal

from .api import Change
from .state import Org
from .util import dec, is_uuid, new_id, r2, r4

LINE_AMOUNT_TYPES = {"exclusive": "Exclusive", "inclusive": "Inclusive", "notax": "NoTax"}
BLOCKED_SYSTEM_ACCOUNTS = {
    "DEBTORS",
    "CREDITORS",
    "GST",
    "RETAINEDEARNINGS",
    "UNPAIDEXPCLM",
    "BANKCURRENCYGAIN",
    "REALISEDCURRENCYGAIN",
    "UNREALISEDCURRENCYGAIN",
    "HISTORICAL",
    "TRACKINGTRANSFERS",
    "GSTONIMPORTS",
}
SALES_TYPES = ("ACCREC", "ACCRECCREDIT")


def tax_rate_percent(rate: dict) -> Decimal:
    """The effective percentage of a tax rate."""
    if rate.get("EffectiveRate") is not None:
        return dec(rate["EffectiveRate"])
    return sum((dec(c.get("Rate")) for c in rate.get("TaxComponents") or []), Decimal(0))


def tax_applies(rate: dict, account: dict) -> bool:
    """Whether a tax rate may be used with an account (by the account's class)."""
    klass = account.get("Class")
    key = {
        "ASSET": "CanApplyToAssets",
        "EQUITY": "CanApplyToEquity",
        "EXPENSE": "CanApplyToExpenses",
        "LIABILITY": "CanApplyToLiabilities",
        "REVENUE": "CanApplyToRevenue",
    }.get(klass)
    return True if key is None else bool(rate.get(key, True))


def _tracking(org: Org, line_in: dict, change: Change) -> list[dict]:
    out = []
    tracks = line_in.get("Tracking") or []
    if not isinstance(tracks, list):
        change.fail("Tracking must be a list.")
        return out
    if len(tracks) > 2:
        change.fail("A maximum of 2 tracking categories can be applied to a line item.")
        return out
    seen = set()
    cats = org.data["TrackingCategories"]
    for t in tracks:
        if not isinstance(t, dict):
            change.fail("Tracking must be a list of objects.")
            continue
        cat = None
        if t.get("TrackingCategoryID"):
            cat = cats.get(t["TrackingCategoryID"])
        elif t.get("Name"):
            cat = next((c for c in cats.values() if c["Name"].lower() == str(t["Name"]).lower()), None)
        if cat is None or cat.get("Status") != "ACTIVE":
            wanted_cat = t.get("Name") or t.get("TrackingCategoryID")
            change.fail(f"The TrackingCategory '{wanted_cat}' does not exist or is not active.")
            continue
        if cat["TrackingCategoryID"] in seen:
            change.fail(f"The TrackingCategory '{cat['Name']}' can only be used once per line item.")
            continue
        seen.add(cat["TrackingCategoryID"])
        opt = None
        wanted = t.get("TrackingOptionID") or t.get("Option")
        for o in cat["Options"]:
            if o["TrackingOptionID"] == t.get("TrackingOptionID") or (
                t.get("Option") is not None and o["Name"].lower() == str(t["Option"]).lower()
            ):
                opt = o
                break
        if opt is None or opt.get("Status") != "ACTIVE":
            change.fail(f"The TrackingOption '{wanted}' does not exist for TrackingCategory '{cat['Name']}'.")
            continue
        out.append(
            {
                "Name": cat["Name"],
                "Option": opt["Name"],
                "TrackingCategoryID": cat["TrackingCategoryID"],
                "TrackingOptionID": opt["TrackingOptionID"],
            }
        )
    return out


def _amounts(line_in: dict, details: dict, unitdp4: bool, change: Change):
    """(Quantity, UnitAmount, LineAmount, gross, DiscountRate, DiscountAmount) or None when not numeric."""
    try:
        qty = dec(line_in.get("Quantity"), "1") if line_in.get("Quantity") is not None else Decimal(1)
        unit_raw = line_in.get("UnitAmount", details.get("UnitPrice"))
        if unit_raw is None and line_in.get("LineAmount") is not None:
            unit_raw = dec(line_in["LineAmount"]) / (qty or Decimal(1))
        unit = dec(unit_raw)
        disc = dec(line_in["DiscountRate"]) if line_in.get("DiscountRate") is not None else None
        disc_amount = dec(line_in["DiscountAmount"]) if line_in.get("DiscountAmount") is not None else None
    except ValueError as exc:
        change.fail(str(exc))
        return None
    qty = r4(qty)
    unit = r4(unit) if unitdp4 else r2(unit)
    gross = qty * unit
    if disc is not None:
        if disc < 0 or disc > 100:
            change.fail("Discount rate must be between 0 and 100.")
        amount = r2(gross * (Decimal(1) - disc / Decimal(100)))
    elif disc_amount is not None:
        amount = r2(gross - disc_amount)
    else:
        amount = r2(gross)
    if line_in.get("LineAmount") is not None:
        try:
            sent = r2(dec(line_in["LineAmount"]))
        except ValueError:
            sent = None
        if sent != amount:
            change.fail(f"The line total {sent} does not match the expected line total {amount}")
    return qty, unit, amount, gross, disc, disc_amount


def _account(org: Org, line_in: dict, details: dict, change: Change) -> dict | None:
    """The line's account: must exist, be ACTIVE and be usable on documents (not bank/system)."""
    if line_in.get("AccountID"):
        account = org.data["Accounts"].get(line_in["AccountID"])
        if account is None:
            change.fail(f"Account ID '{line_in['AccountID']}' is not a valid account for this document.")
        return account
    code = line_in.get("AccountCode") or details.get("AccountCode")
    if not code:
        return None
    account = org.account_by_code(code)
    usable = (
        account is not None
        and account.get("Status") == "ACTIVE"
        and account.get("Type") != "BANK"
        and account.get("SystemAccount") not in BLOCKED_SYSTEM_ACCOUNTS
    )
    if not usable:
        change.fail(f"Account code '{code}' is not a valid code for this document.")
        return None
    return account


def _tax(org: Org, line_in: dict, details: dict, lat: str, account, amount: Decimal, sales: bool, change: Change):
    """(TaxType, TaxAmount) of a line; a sent TaxAmount overrides the computed one (tax adjustment)."""
    tax_type = line_in.get("TaxType") or details.get("TaxType")
    if lat == "NoTax" and not tax_type:
        tax_type = "NONE"
    if not tax_type:
        tax_type = (account or {}).get("TaxType") or ("OUTPUT" if sales else "INPUT")
    rate = org.data["TaxRates"].get(tax_type)
    pct = Decimal(0)
    if rate is None or rate.get("Status") != "ACTIVE":
        change.fail(f"The TaxType code '{tax_type}' does not exist or cannot be used for this type of transaction.")
    else:
        pct = tax_rate_percent(rate)
        if account is not None and not tax_applies(rate, account):
            change.fail(f"The TaxType code '{tax_type}' cannot be used with account code '{account['Code']}'.")
    if lat == "NoTax":
        return tax_type, Decimal(0)
    tax = r2(amount * pct / (Decimal(100) + pct)) if lat == "Inclusive" else r2(amount * pct / Decimal(100))
    if line_in.get("TaxAmount") is not None:
        try:
            tax = r2(dec(line_in["TaxAmount"]))
        except ValueError:
            change.fail("TaxAmount must be a number.")
    return tax_type, tax


def compute_line(org: Org, line_in: dict, doc_type: str, lat: str, unitdp4: bool, change: Change, old_ids: set) -> dict:
    """Validate one line and compute LineAmount and TaxAmount."""
    if not isinstance(line_in, dict):
        change.fail("Each line item must be an object.")
        return {}
    sales = doc_type in SALES_TYPES
    line = {"LineItemID": line_in["LineItemID"] if line_in.get("LineItemID") in old_ids else new_id()}
    item = None
    if line_in.get("ItemCode"):
        item = org.item_by_code(line_in["ItemCode"])
        if item is None:
            change.fail(f"Item code '{line_in['ItemCode']}' is not valid.")
    details = (item or {}).get("SalesDetails" if sales else "PurchaseDetails") or {}
    numbers = _amounts(line_in, details, unitdp4, change)
    if numbers is None:
        return line
    qty, unit, amount, gross, disc, disc_amount = numbers
    description = line_in.get("Description")
    if description is None and item is not None:
        description = item.get("Description" if sales else "PurchaseDescription") or item.get("Name")
    account = _account(org, line_in, details, change)
    tax_type, tax = _tax(org, line_in, details, lat, account, amount, sales, change)
    line.update(
        {
            "Description": description or "",
            "Quantity": float(qty),
            "UnitAmount": float(unit),
            "TaxType": tax_type,
            "TaxAmount": float(tax),
            "LineAmount": float(amount),
            "Tracking": _tracking(org, line_in, change),
        }
    )
    if line_in.get("ItemCode"):
        line["ItemCode"] = line_in["ItemCode"]
        if item is not None:
            line["Item"] = {"ItemID": item["ItemID"], "Name": item.get("Name", ""), "Code": item["Code"]}
    if account is not None:
        line["AccountCode"] = account["Code"]
        line["AccountID"] = account["AccountID"]
    if disc is not None:
        line["DiscountRate"] = float(disc)
    if disc_amount is not None:
        line["DiscountAmount"] = float(disc_amount)
    line["_gross"] = r2(gross)
    return line


def totals(lines: list[dict], lat: str) -> dict:
    """SubTotal, TotalTax, Total and TotalDiscount of computed lines."""
    line_sum = sum((dec(x["LineAmount"]) for x in lines), Decimal(0))
    tax = sum((dec(x["TaxAmount"]) for x in lines), Decimal(0))
    discount = sum((x["_gross"] - dec(x["LineAmount"]) for x in lines), Decimal(0))
    if lat == "Inclusive":
        sub, total = line_sum - tax, line_sum
    else:
        sub, total = line_sum, line_sum + tax
    return {"SubTotal": r2(sub), "TotalTax": r2(tax), "Total": r2(total), "TotalDiscount": r2(discount)}


LINE_COMPARE = (
    "Description",
    "Quantity",
    "UnitAmount",
    "AccountCode",
    "TaxType",
    "TaxAmount",
    "LineAmount",
    "DiscountRate",
    "ItemCode",
)


def lines_differ(old: list[dict], new: list[dict]) -> bool:
    """Whether two computed line lists differ in substance."""
    if len(old) != len(new):
        return True
    for a, b in zip(old, new, strict=True):
        if any(a.get(k) != b.get(k) for k in LINE_COMPARE):
            return True
        ta = sorted((t.get("TrackingCategoryID"), t.get("TrackingOptionID")) for t in a.get("Tracking") or [])
        tb = sorted((t.get("TrackingCategoryID"), t.get("TrackingOptionID")) for t in b.get("Tracking") or [])
        if ta != tb:
            return True
    return False


def valid_line_ids(lines) -> set:
    """LineItemIDs of stored lines."""
    return {x.get("LineItemID") for x in lines or [] if is_uuid(x.get("LineItemID"))}
