"""Organisation, Currencies, Accounts, TaxRates, TrackingCategories (+Options) and Items."""

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
    validation_error,
)
from .demo import ACCOUNT_CLASS, ALL_CURRENCY_NAMES
from .util import dec, new_id, public

CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


def render(obj: dict) -> dict:
    """Public copy."""
    return public(obj)


# -- organisation & currencies -----------------------------------------------------------
def organisation(ctx: Ctx):
    """GET /Organisation."""
    return ok(ctx, "Organisations", [dict(ctx.org.organisation)])


def currencies(ctx: Ctx):
    """GET /Currencies and PUT /Currencies (enable a currency)."""
    data = ctx.org.data["Currencies"]
    if ctx.req.method == "GET":
        return list_objects(ctx, data.values(), "Currencies", render, paged=False)
    el = elements_of(ctx, "Currencies")[0]
    code = str((el or {}).get("Code") or "").upper()
    if not CURRENCY_RE.match(code):
        raise validation_error(f"Currency code '{code}' is not valid.", el)
    if code not in data:
        data[code] = {"Code": code, "Description": el.get("Description") or ALL_CURRENCY_NAMES.get(code, code)}
        ctx.store.dirty = True
    return ok(ctx, "Currencies", [render(data[code])])


# -- accounts ----------------------------------------------------------------------------
def _check_account_identity(org, batch: Batch, existing: dict | None, merged: dict, typ: str, change: Change) -> None:
    """Type, Name and Code of an account: present, valid and unique ("Please enter a unique Code.")."""
    if typ not in ACCOUNT_CLASS:
        change.fail("Please select a valid Account Type." if typ else "Please select an Account Type.")
    if not merged.get("Name"):
        change.fail("Please enter a Name.")
    code = merged.get("Code")
    if code is None and typ != "BANK":
        change.fail("Please enter a Code.")
    if code is not None and len(str(code)) > 10:
        change.fail("Code must be 10 characters or less.")
    for a in org.data["Accounts"].values():
        if (existing is not None and a is existing) or a.get("Status") == "DELETED":
            continue
        if code and str(a.get("Code", "")).lower() == str(code).lower():
            change.fail("Please enter a unique Code.")
        if merged.get("Name") and a.get("Name", "").lower() == str(merged["Name"]).lower():
            change.fail("Please enter a unique Name.")
    if code and str(code).lower() in batch.codes:
        change.fail("Please enter a unique Code.")


def _account_prepare(ctx: Ctx, batch: Batch, change: Change) -> None:
    el = change.element
    org = ctx.org
    aid = ctx.req.params.get("AccountID") or el.get("AccountID")
    existing = org.data["Accounts"].get(aid) if aid else None
    if aid and existing is None:
        change.fail("Account could not be found")
        return
    merged = dict(
        existing or {},
        **{
            k: copy.deepcopy(v)
            for k, v in el.items()
            if k not in ("AccountID", "Class", "SystemAccount", "UpdatedDateUTC", "HasAttachments", "ReportingCodeName")
        },
    )
    typ = str(merged.get("Type") or "").upper()
    code = merged.get("Code")
    _check_account_identity(org, batch, existing, merged, typ, change)
    status = str(merged.get("Status") or "ACTIVE").upper()
    if status not in ("ACTIVE", "ARCHIVED"):
        change.fail("Status must be ACTIVE or ARCHIVED.")
    if existing and existing.get("SystemAccount") and status != "ACTIVE":
        change.fail("System accounts cannot be archived.")
    tax = merged.get("TaxType")
    if tax and tax not in org.data["TaxRates"]:
        change.fail(f"The TaxType code '{tax}' does not exist or cannot be used for this type of transaction.")
    if change.errors:
        return
    if code:
        batch.codes.add(str(code).lower())
    merged.update({"Type": typ, "Status": status, "Class": ACCOUNT_CLASS[typ]})
    merged.setdefault("TaxType", {"REVENUE": "OUTPUT", "EXPENSE": "INPUT"}.get(ACCOUNT_CLASS[typ], "NONE"))
    merged.setdefault("EnablePaymentsToAccount", False)
    merged.setdefault("ShowInExpenseClaims", False)
    merged.setdefault("HasAttachments", False)
    merged.setdefault("AddToWatchlist", False)

    def apply():
        acc = existing if existing is not None else {"AccountID": new_id()}
        acc.update(merged)
        ctx.stamp(acc)
        org.data["Accounts"][acc["AccountID"]] = acc
        org.reindex()
        return acc

    change.apply = apply


def accounts(ctx: Ctx):
    """GET/PUT/POST/DELETE /Accounts."""
    req, org = ctx.req, ctx.org
    aid = req.params.get("AccountID")
    if req.method == "GET" and aid is None:
        return list_objects(
            ctx,
            [a for a in org.data["Accounts"].values() if a.get("Status") != "DELETED"],
            "Accounts",
            render,
            id_field="AccountID",
            paged=False,
        )
    if req.method == "GET":
        return ok(ctx, "Accounts", [render(find(ctx, "Accounts", aid))])
    if req.method == "DELETE":
        acc = find(ctx, "Accounts", aid)
        used = any(
            line.get("AccountID") == aid
            for coll in ("Invoices", "CreditNotes")
            for d in org.data[coll].values()
            for line in d.get("LineItems", [])
        )
        if used or acc.get("SystemAccount"):
            raise validation_error(
                "This account cannot be deleted as it has been used; archive it instead.", {"AccountID": aid}
            )
        acc["Status"] = "DELETED"
        ctx.stamp(acc)
        org.reindex()
        ctx.store.dirty = True
        return ok(ctx, "Accounts", [render(acc)])
    if aid is not None:
        find(ctx, "Accounts", aid)
    return run_batch(ctx, "Accounts", elements_of(ctx, "Accounts"), _account_prepare, render, "HasErrors")


# -- tax rates ---------------------------------------------------------------------------
def _tax_prepare(ctx: Ctx, batch: Batch, change: Change) -> None:
    el = change.element
    rates = ctx.org.data["TaxRates"]
    existing = rates.get(el.get("TaxType") or "") or next(
        (r for r in rates.values() if ctx.req.method == "POST" and r["Name"] == el.get("Name")), None
    )
    if ctx.req.method == "POST" and el.get("TaxType") and existing is None:
        change.fail(f"The TaxType code '{el['TaxType']}' does not exist.")
        return
    merged = dict(existing or {}, **copy.deepcopy(el))
    if not merged.get("Name"):
        change.fail("The tax rate name must be specified.")
    comps = merged.get("TaxComponents")
    if not isinstance(comps, list) or not comps:
        change.fail("At least one tax component must be specified.")
        comps = []
    try:
        pct = sum(float(dec(c.get("Rate"))) for c in comps if isinstance(c, dict))
    except ValueError:
        change.fail("Tax component rates must be numbers.")
        pct = 0.0
    status = str(merged.get("Status") or "ACTIVE").upper()
    if status not in ("ACTIVE", "DELETED", "ARCHIVED"):
        change.fail("Status must be ACTIVE, DELETED or ARCHIVED.")
    if existing is None and any(r["Name"].lower() == str(merged.get("Name", "")).lower() for r in rates.values()):
        change.fail("The tax rate name must be unique.")
    if change.errors:
        return

    def apply():
        rate = (
            existing
            if existing is not None
            else {
                "TaxType": f"TAX{len(rates) + 1:03d}",
                "ReportTaxType": merged.get("ReportTaxType", "OUTPUT"),
                "CanApplyToAssets": True,
                "CanApplyToEquity": True,
                "CanApplyToExpenses": True,
                "CanApplyToLiabilities": True,
                "CanApplyToRevenue": True,
            }
        )
        rate.update({k: v for k, v in merged.items() if k != "TaxType"})
        rate.update({"Status": status, "DisplayTaxRate": pct, "EffectiveRate": pct})
        rates[rate["TaxType"]] = rate
        return rate

    change.apply = apply


def tax_rates(ctx: Ctx):
    """GET/PUT/POST /TaxRates and GET /TaxRates/{TaxType}."""
    req = ctx.req
    rates = ctx.org.data["TaxRates"]
    if req.method == "GET":
        tax_type = req.params.get("TaxType") or req.q("TaxType")
        if req.params.get("TaxType") and tax_type not in rates:
            raise not_found()
        filters = [lambda r: r["TaxType"] == tax_type] if tax_type else []
        return list_objects(ctx, rates.values(), "TaxRates", render, paged=False, extra_filters=filters)
    return run_batch(ctx, "TaxRates", elements_of(ctx, "TaxRates"), _tax_prepare, render, "HasErrors")


# -- tracking categories -----------------------------------------------------------------
def tracking(ctx: Ctx):
    """/TrackingCategories, /TrackingCategories/{id} and /TrackingCategories/{id}/Options[/{optionId}]."""
    req, org = ctx.req, ctx.org
    cats = org.data["TrackingCategories"]
    cid, oid = req.params.get("TrackingCategoryID"), req.params.get("TrackingOptionID")
    if req.method == "GET" and cid is None:
        filters = [] if bool_param(req, "includeArchived") else [lambda c: c.get("Status") == "ACTIVE"]
        return list_objects(ctx, cats.values(), "TrackingCategories", _render_cat, paged=False, extra_filters=filters)
    if cid is None:
        el = elements_of(ctx, "TrackingCategories")[0]
        name = str((el or {}).get("Name") or "").strip()
        if not name:
            raise validation_error("The tracking category name must be specified.", el)
        if any(c["Name"].lower() == name.lower() and c["Status"] != "DELETED" for c in cats.values()):
            raise validation_error(f"A tracking category called '{name}' already exists.", el)
        if sum(1 for c in cats.values() if c["Status"] == "ACTIVE") >= 2:
            raise validation_error("You can only have 2 active tracking categories.", el)
        cat = {"TrackingCategoryID": new_id(), "Name": name, "Status": "ACTIVE", "Options": []}
        cats[cat["TrackingCategoryID"]] = cat
        ctx.store.dirty = True
        return ok(ctx, "TrackingCategories", [_render_cat(cat)])
    cat = find(ctx, "TrackingCategories", cid)
    if req.spec_path.endswith("/Options") or oid is not None:
        return _options(ctx, cat, oid)
    if req.method == "GET":
        return ok(ctx, "TrackingCategories", [_render_cat(cat)])
    if req.method == "DELETE":
        del cats[cid]
        cat["Status"] = "DELETED"
        ctx.store.dirty = True
        return ok(ctx, "TrackingCategories", [_render_cat(cat)])
    el = elements_of(ctx, "TrackingCategories")[0]
    if el.get("Name"):
        cat["Name"] = el["Name"]
    if el.get("Status"):
        status = str(el["Status"]).upper()
        if (
            status == "ACTIVE"
            and cat["Status"] != "ACTIVE"
            and sum(1 for c in cats.values() if c["Status"] == "ACTIVE") >= 2
        ):
            raise validation_error("You can only have 2 active tracking categories.", el)
        cat["Status"] = status
    ctx.store.dirty = True
    return ok(ctx, "TrackingCategories", [_render_cat(cat)])


def _render_cat(cat: dict) -> dict:
    out = public(cat)
    out["Options"] = [dict(o) for o in cat["Options"] if o.get("Status") != "DELETED"]
    return out


def _options(ctx: Ctx, cat: dict, oid: str | None):
    req = ctx.req
    if req.method == "PUT":
        elements = elements_of(ctx, "Options")
        created = []
        for el in elements:
            name = str((el or {}).get("Name") or "").strip()
            if not name:
                raise validation_error("The tracking option name must be specified.", el)
            if any(o["Name"].lower() == name.lower() and o["Status"] != "DELETED" for o in cat["Options"] + created):
                raise validation_error(f"The tracking option '{name}' already exists in '{cat['Name']}'.", el)
            created.append(
                {
                    "TrackingOptionID": new_id(),
                    "Name": name,
                    "Status": "ACTIVE",
                    "TrackingCategoryID": cat["TrackingCategoryID"],
                }
            )
        cat["Options"].extend(created)
        ctx.store.dirty = True
        return ok(ctx, "Options", [dict(o) for o in created])
    opt = next((o for o in cat["Options"] if o["TrackingOptionID"] == oid), None)
    if opt is None:
        raise not_found()
    if req.method == "DELETE":
        opt["Status"] = "DELETED"
    else:
        el = elements_of(ctx, "Options")[0]
        if el.get("Name"):
            opt["Name"] = el["Name"]
        if el.get("Status"):
            opt["Status"] = str(el["Status"]).upper()
    ctx.store.dirty = True
    return ok(ctx, "Options", [dict(opt)])


# -- items -------------------------------------------------------------------------------
def _item_prepare(ctx: Ctx, batch: Batch, change: Change) -> None:
    el = change.element
    org = ctx.org
    iid = ctx.req.params.get("ItemID") or el.get("ItemID")
    existing = org.data["Items"].get(iid) if iid else None
    if iid and existing is None:
        change.fail("Item could not be found")
        return
    if existing is None and ctx.req.method == "POST" and el.get("Code"):
        existing = org.item_by_code(el["Code"])
    merged = dict(
        existing or {}, **{k: copy.deepcopy(v) for k, v in el.items() if k not in ("ItemID", "UpdatedDateUTC")}
    )
    code = str(merged.get("Code") or "").strip()
    if not code:
        change.fail("Item code must be specified.")
    elif len(code) > 30:
        change.fail("Item code must be 30 characters or less.")
    holder = org.item_codes.get(code.lower())
    if code and ((holder and (existing is None or holder != existing["ItemID"])) or code.lower() in batch.codes):
        change.fail(f"Item code '{code}' already exists.")
    if merged.get("Name") and len(merged["Name"]) > 50:
        change.fail("Item name must be 50 characters or less.")
    for key in ("SalesDetails", "PurchaseDetails"):
        det = merged.get(key) or {}
        if det.get("AccountCode") and org.account_by_code(det["AccountCode"]) is None:
            change.fail(f"Account code '{det['AccountCode']}' is not a valid code.")
        if det.get("TaxType") and det["TaxType"] not in org.data["TaxRates"]:
            change.fail(f"The TaxType code '{det['TaxType']}' does not exist.")
    if change.errors:
        return
    batch.codes.add(code.lower())
    merged.setdefault("Name", code)
    merged.setdefault("IsSold", bool(merged.get("SalesDetails")))
    merged.setdefault("IsPurchased", bool(merged.get("PurchaseDetails")))
    merged.setdefault("IsTrackedAsInventory", False)

    def apply():
        item = existing if existing is not None else {"ItemID": new_id()}
        item.update(merged)
        item["Code"] = code
        ctx.stamp(item)
        org.data["Items"][item["ItemID"]] = item
        org.reindex()
        return item

    change.apply = apply


def items(ctx: Ctx):
    """GET/PUT/POST/DELETE /Items."""
    req, org = ctx.req, ctx.org
    iid = req.params.get("ItemID")
    if req.method == "GET" and iid is None:
        return list_objects(ctx, org.data["Items"].values(), "Items", render, id_field="ItemID", paged=False)
    if iid is not None:
        item = org.data["Items"].get(iid) or org.item_by_code(iid)
        if item is None:
            raise not_found()
        if req.method == "GET":
            return ok(ctx, "Items", [render(item)])
        if req.method == "DELETE":
            del org.data["Items"][item["ItemID"]]
            org.reindex()
            ctx.store.dirty = True
            from .wire import Response

            return Response(204, b"")
        req.params["ItemID"] = item["ItemID"]
    return run_batch(ctx, "Items", elements_of(ctx, "Items"), _item_prepare, render, "HasErrors")
