"""Odoo purchase orders → Xero ``PurchaseOrder`` dicts.

==========================  ==================================================
Xero                        Odoo
==========================  ==================================================
Contact                     the vendor's commercial partner (created first)
Date                        confirmation date (order date before it), in the
                            buyer's time zone (the company's, else UTC)
DeliveryDate,               "Expected Arrival" (``date_planned``)
ExpectedArrivalDate
PurchaseOrderNumber         the order's number (``name``)
Reference                   the vendor reference (``partner_ref``)
CurrencyCode, CurrencyRate  the order's currency and its rate (foreign only)
LineAmountTypes             the taxes' price-include setting
DeliveryAddress,            the dropship address when set, else the receiving
AttentionTo, Telephone      warehouse's (``purchase_stock`` installed), else
                            the company's; attention of the dropship contact
                            or the buyer
DeliveryInstructions        the terms and conditions as plain text, cut at
                            Xero's 500 characters (the exporter says so)
LineItems                   ItemCode (product linked to a Xero item),
                            Description, Quantity, UnitAmount, AccountCode
                            (the product's expense account, mapped), TaxType,
                            DiscountRate, Tracking (analytic distribution)
==========================  ==================================================

Skipped: section and note lines (Xero has no such lines). Xero's
PurchaseOrders endpoint takes no ``unitdp``: unit prices go with 2 decimals,
and a line whose amount Xero would then compute otherwise than Odoo is
refused with a message rather than changed. Totals are made to agree with
Xero's per-line tax rounding as for bills (:func:`.invoice.check_totals`).

Reads Odoo records, never writes nor searches: what needs a mapping comes
through :class:`PurchaseResolver`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytz

from odoo.tools.mail import html_to_inner_content

from ..errors import XeroMappingError
from .invoice import (
    MAX_DESCRIPTION,
    ROUNDING_TOLERANCE_PER_LINE,
    Resolver,
    amount_types,
    check_totals,
    dec,
    number,
    r2,
    r4,
    xero_line_amount,
    xero_totals,
)

#: Xero: "A free text field for instructions (500 characters max)"
MAX_INSTRUCTIONS = 500
MAX_REFERENCE = 255
#: Odoo states of an order that is sent (confirmed, or locked once done)
CONFIRMED = ("purchase", "done")
STATUS_ORDER = {"DRAFT": 0, "SUBMITTED": 1, "AUTHORISED": 2, "BILLED": 3}


@dataclass
class PurchaseResolver(Resolver):
    """The invoice resolver, plus what purchase order lines need."""

    expense_account: Callable  # purchase.order.line -> account.account
    item_code: Callable  # product.product -> Xero item code, or None when not linked to an item


@dataclass
class PurchaseOptions:
    """Per-order values decided outside the mapper."""

    contact_id: str
    status: str = "AUTHORISED"
    rounding_code: object = None  # the code, or a callable giving it
    xero_id: str | None = None


def local_date(value, tz_name):
    """The calendar date of a naive UTC datetime in time zone ``tz_name``."""
    if not value:
        return None
    zone = pytz.timezone(tz_name or "UTC")
    return value.replace(tzinfo=UTC).astimezone(zone).date() if isinstance(value, datetime) else value


def order_zone(order):
    return order.user_id.tz or order.company_id.partner_id.tz or "UTC"


def order_date(order):
    """The date the order was issued: its confirmation date, else its order date."""
    return local_date(order.date_approve or order.date_order, order_zone(order))


def delivery_partner(order):
    """Where the goods go: the dropship address, else the receiving
    warehouse's (``purchase_stock``), else the company's."""
    if order.dest_address_id:
        return order.dest_address_id
    if "picking_type_id" in order._fields and order.picking_type_id.warehouse_id.partner_id:
        return order.picking_type_id.warehouse_id.partner_id
    return order.company_id.partner_id


def address_text(partner):
    """A partner's name and postal address, one line each."""
    lines = [partner.name or ""]
    lines += [" ".join(part.split()) for part in (partner._display_address(without_company=True) or "").splitlines()]
    return "\n".join(line for line in lines if line)


def attention(order):
    """``(AttentionTo, Telephone)``: the dropship contact, else the buyer
    (the delivery address's phone when the buyer has none)."""
    if order.dest_address_id:
        contact = order.dest_address_id
        return contact.name or "", contact.phone or contact.mobile or ""
    partner = delivery_partner(order)
    buyer = order.user_id.partner_id
    return (buyer.name or ""), (buyer.phone or buyer.mobile or partner.phone or "")


def instructions(order):
    """``(text, cut)``: the terms as plain text within Xero's 500 characters."""
    text = html_to_inner_content(order.notes) if order.notes else ""
    if len(text) <= MAX_INSTRUCTIONS:
        return text, False
    return text[:MAX_INSTRUCTIONS - 1].rstrip() + "…", True


def fully_billed(order):
    """Every ordered quantity is billed in Odoo, on bills that are all posted."""
    lines = order.order_line.filtered(lambda line: not line.display_type)
    bills = order.invoice_ids.filtered(lambda move: move.state != "cancel")
    return bool(lines and bills and all(move.state == "posted" for move in bills) and all(
        line.qty_invoiced >= line.product_qty for line in lines))


def _description(line):
    text = (line.name or line.product_id.display_name or "").strip() or "-"
    return text[:MAX_DESCRIPTION]


def product_line(line, resolver, lat):
    """One line: ``(xero line dict, Odoo's amount for it)`` (see the module doc)."""
    env = line.env
    quantity = dec(line.product_qty)
    unit = r4(dec(line.price_unit))
    discount = r2(dec(line.discount))
    amount = xero_line_amount(quantity, r2(unit), discount)
    odoo_amount = r2(dec(line.price_total if lat == "Inclusive" else line.price_subtotal))
    if r2(unit) != unit and abs(amount - odoo_amount) > ROUNDING_TOLERANCE_PER_LINE:
        raise XeroMappingError(env._(
            "%(order)s: Xero takes the unit prices of purchase orders with 2 decimals. The line \"%(line)s\" "
            "(%(qty)s x %(price)s) would be %(xero)s in Xero instead of %(odoo)s: round its unit price to "
            "2 decimals, or order in another unit.", order=line.order_id.display_name, line=_description(line)[:60],
            qty=number(r4(quantity)), price=number(unit), xero=amount, odoo=odoo_amount))
    values = {
        "Description": _description(line),
        "Quantity": number(r4(quantity)),
        "UnitAmount": number(r2(unit)),
        "AccountCode": resolver.account_code(resolver.expense_account(line)),
        "TaxType": resolver.tax_type(line.taxes_id),
        "LineAmount": number(amount),
    }
    item_code = resolver.item_code(line.product_id) if line.product_id else None
    if item_code:
        values["ItemCode"] = item_code
    if discount:
        values["DiscountRate"] = number(discount)
    tracking = resolver.tracking(line.analytic_distribution) if line.analytic_distribution else []
    if tracking:
        values["Tracking"] = tracking
    return values, odoo_amount


def build_purchase_order(order, resolver, options):
    """The Xero element (dict) of a confirmed purchase order.

    Raises :class:`XeroMappingError` (nothing is sent for that order) when a
    value has no Xero counterpart or the totals cannot be made to agree."""
    env = order.env
    lines = order.order_line.filtered(lambda line: not line.display_type).sorted(lambda ln: (ln.sequence, ln.id))
    if not lines:
        raise XeroMappingError(env._("%(order)s has no lines to send to Xero.", order=order.display_name))
    lat = amount_types(order, lines.taxes_id)
    items = check_totals(order, [product_line(line, resolver, lat)[0] for line in lines], lat, resolver,
                         options.rounding_code)
    sub, tax, total = xero_totals(items, lat, resolver.tax_rate)
    planned = local_date(order.date_planned, order_zone(order))
    attention_to, telephone = attention(order)
    text, _cut = instructions(order)
    element = {
        "Contact": {"ContactID": options.contact_id},
        "PurchaseOrderNumber": order.name,
        "Date": str(order_date(order)),
        "LineAmountTypes": lat,
        "CurrencyCode": order.currency_id.name,
        "Status": options.status,
        "LineItems": items,
        "DeliveryAddress": address_text(delivery_partner(order)),
        "SubTotal": number(sub),
        "TotalTax": number(tax),
        "Total": number(total),
    }
    optional = {"DeliveryDate": planned and str(planned), "ExpectedArrivalDate": planned and str(planned),
                "Reference": (order.partner_ref or "").strip()[:MAX_REFERENCE], "AttentionTo": attention_to,
                "Telephone": telephone, "DeliveryInstructions": text}
    element.update({key: value for key, value in optional.items() if value})
    if order.currency_id != order.company_id.currency_id:
        element["CurrencyRate"] = number(dec(order.currency_rate).quantize(dec("0.000001")))
    if options.xero_id:
        element["PurchaseOrderID"] = options.xero_id
    return element


def status_element(xero_id, status):
    """A status change only (DELETED on cancel)."""
    return {"PurchaseOrderID": xero_id, "Status": status}


def source_snapshot(order):
    """What of an order matters to Xero, from Odoo values only (no mapping):
    its hash decides whether a confirmed order changed since it was sent —
    lines, dates, vendor, reference, currency and rate, terms, delivery,
    buyer, and whether it is billed in full."""
    lines = [[line.name or "", line.product_id.id, line.product_qty, line.price_unit, line.discount,
              sorted(line.taxes_id.ids), line.analytic_distribution or {}, line.price_subtotal, line.price_total]
             for line in order.order_line.sorted(lambda ln: (ln.sequence, ln.id)) if not line.display_type]
    return {
        "name": order.name, "partner": order.partner_id.commercial_partner_id.id, "ref": order.partner_ref or "",
        "date": str(order.date_approve or order.date_order), "planned": str(order.date_planned or ""),
        "currency": order.currency_id.name, "rate": round(order.currency_rate or 1.0, 6),
        "notes": order.notes or "", "delivery": delivery_partner(order).id, "user": order.user_id.id,
        "total": order.amount_total, "tax": order.amount_tax, "lines": lines, "billed": fully_billed(order),
    }
