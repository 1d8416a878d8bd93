"""Odoo invoices, bills and credit notes → Xero ``Invoice`` / ``CreditNote`` dicts.

One mapper for the four document types:

==============  ===========  ============  ===========================================
Odoo move_type  collection   Xero Type     number sent
==============  ===========  ============  ===========================================
out_invoice     Invoices     ACCREC        InvoiceNumber = Odoo number (``name``)
in_invoice      Invoices     ACCPAY        InvoiceNumber = vendor reference (``ref``),
                                           the Odoo number when there is none
out_refund      CreditNotes  ACCRECCREDIT  CreditNoteNumber = Odoo number
in_refund       CreditNotes  ACCPAYCREDIT  CreditNoteNumber = vendor reference or number
==============  ===========  ============  ===========================================

Why bills carry the vendor's reference: in Xero the ``InvoiceNumber`` of a bill
*is* the field its screens call "Reference" (the supplier's invoice number,
which Xero uses to warn about duplicate bills and which remittances quote),
and Xero's own ``Reference`` field exists for sales documents only. The Odoo
number of a bill is still reachable from Xero through ``Url`` (a link back to
the Odoo document), which every document carries; ``Url`` also identifies a
document unambiguously when a lost request has to be looked up in Xero.

A bill made from purchase orders carries their numbers after the vendor's
reference (``INV-778 / P00012``): Xero links a bill to no purchase order,
and that number (shown as the bill's "Reference" in Xero) is where Xero's
search and its users find the order's number to match the two.

Amounts are computed the way Xero computes them (:func:`xero_totals`):
``LineAmount = round(Quantity * UnitAmount * (1 - DiscountRate/100), 2)`` with
``UnitAmount`` at 4 decimals (requests are sent with ``unitdp=4``), tax per
line rounded to 2 decimals then summed. When that total differs from Odoo's,
:func:`build_document` adds a rounding line on the connection's rounding
account, or refuses the document with both totals in the message; the payload
also carries ``LineAmount`` and ``Total`` so Xero rejects instead of silently
changing a total if it ever computed differently.

The functions read Odoo records but never write: the model layer owns writes.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ..errors import XeroMappingError

TWO = Decimal("0.01")
FOUR = Decimal("0.0001")
SIX = Decimal("0.000001")
MAX_DESCRIPTION = 4000
#: Xero's longest InvoiceNumber / CreditNoteNumber
MAX_NUMBER = 255
#: a rounding line may absorb at most this much per line sent (per-line tax rounding)
ROUNDING_TOLERANCE_PER_LINE = Decimal("0.01")


@dataclass(frozen=True)
class DocKind:
    """How one Odoo move type is represented in Xero."""

    move_type: str
    collection: str
    id_field: str
    number_field: str
    xero_type: str
    xero_object: str  # xero.sync.log object
    sales: bool

    def operation(self, verb):
        """The adapter's operation ``verb`` (create, update, status, attach) of this kind."""
        return ("invoices." if self.collection == "Invoices" else "credit_notes.") + verb

    @property
    def unique_number(self):
        """Xero keeps sales invoice and sales credit note numbers unique."""
        return self.sales


KINDS = {
    "out_invoice": DocKind("out_invoice", "Invoices", "InvoiceID", "InvoiceNumber", "ACCREC", "invoice", True),
    "in_invoice": DocKind("in_invoice", "Invoices", "InvoiceID", "InvoiceNumber", "ACCPAY", "invoice", False),
    "out_refund": DocKind("out_refund", "CreditNotes", "CreditNoteID", "CreditNoteNumber", "ACCRECCREDIT",
                          "credit_note", True),
    "in_refund": DocKind("in_refund", "CreditNotes", "CreditNoteID", "CreditNoteNumber", "ACCPAYCREDIT",
                         "credit_note", False),
}


def kind_of(move):
    """The :class:`DocKind` of a move, None for moves Xero does not take."""
    return KINDS.get(move.move_type)


@dataclass
class Resolver:
    """What the mapper asks the mapping layer; each callable raises
    :class:`XeroMappingError` with a bookkeeper's message when it cannot answer."""

    account_code: Callable  # account.account -> "200"
    tax_type: Callable  # account.tax recordset -> "OUTPUT" ("NONE" when empty)
    tax_rate: Callable  # "OUTPUT" -> Decimal("15")
    tracking: Callable  # analytic_distribution dict -> [{"Name": ..., "Option": ...}]


@dataclass
class Options:
    """Per-document values decided outside the mapper."""

    contact_id: str
    status: str = "AUTHORISED"
    rounding_code: object = None  # the code, or a callable giving it (asked only when needed)
    url: str | None = None
    xero_id: str | None = None
    extra: dict = field(default_factory=dict)
    #: numbers of the purchase orders a bill or vendor credit note was made from
    orders: tuple = ()


def dec(value):
    """A float/int/str as Decimal, without binary float noise."""
    return Decimal(str(value or 0))


def r2(value):
    return value.quantize(TWO, rounding=ROUND_HALF_UP)


def r4(value):
    return value.quantize(FOUR, rounding=ROUND_HALF_UP)


def number(value):
    """Decimal → JSON number (int when whole, so golden files stay readable)."""
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def document_number(move, kind, orders=()):
    """The number Xero shows for the document (see the module doc): a
    purchase document's ends with the numbers of its purchase orders that
    its reference does not already hold."""
    if kind.sales:
        return move.name
    base = (move.ref or "").strip() or move.name
    extra = [number for number in dict.fromkeys(orders) if number and number not in base]
    return " / ".join([base, *extra])[:MAX_NUMBER]


def line_amount_types(move):
    """``Exclusive``, ``Inclusive`` or ``NoTax`` from the taxes' price-include setting.

    Raises when a document mixes tax-included and tax-excluded prices: Xero
    has one setting per document and converting prices would change them."""
    lines = move.line_ids.filtered(lambda line: line.display_type == "product")
    return amount_types(move, lines.tax_ids)


def amount_types(document, taxes):
    """``LineAmountTypes`` of a document (invoice, bill, purchase order) whose lines carry ``taxes``."""
    if not taxes:
        return "NoTax"
    included = taxes.filtered("price_include")
    if not included:
        return "Exclusive"
    if included == taxes:
        return "Inclusive"
    raise XeroMappingError(document.env._(
        "%(doc)s mixes tax-included and tax-excluded prices (%(incl)s / %(excl)s). Xero needs one "
        "of the two for a whole document: use taxes of one kind on all its lines.",
        doc=document.display_name, incl=", ".join(included.mapped("name")),
        excl=", ".join((taxes - included).mapped("name"))))


def xero_line_amount(quantity, unit_amount, discount_rate):
    """``LineAmount`` as Xero computes it (4-decimal quantity and unit amount)."""
    gross = r4(quantity) * r4(unit_amount)
    if discount_rate:
        gross = gross * (Decimal(1) - discount_rate / Decimal(100))
    return r2(gross)


def xero_line_tax(line_amount, rate, lat):
    """Tax of one line as Xero computes it, rounded to 2 decimals."""
    if lat == "NoTax" or not rate:
        return Decimal(0)
    if lat == "Inclusive":
        return r2(line_amount * rate / (Decimal(100) + rate))
    return r2(line_amount * rate / Decimal(100))


def xero_totals(lines, lat, tax_rate):
    """``(SubTotal, TotalTax, Total)`` Xero will compute for these payload lines.

    ``tax_rate(TaxType) -> Decimal`` gives each line's rate in percent."""
    amount = tax = Decimal(0)
    for line in lines:
        line_amount = dec(line["LineAmount"])
        amount += line_amount
        tax += xero_line_tax(line_amount, tax_rate(line.get("TaxType") or "NONE"), lat)
    if lat == "Inclusive":
        return r2(amount - tax), r2(tax), r2(amount)
    return r2(amount), r2(tax), r2(amount + tax)


def _description(line):
    text = (line.name or line.product_id.display_name or "").strip() or "-"
    return text[:MAX_DESCRIPTION]


def product_line(line, resolver, lat):
    """One priced line: ``(xero line dict, Odoo's amount for it)``.

    Odoo's amount is the tax-excluded subtotal (tax-included total for an
    ``Inclusive`` document), what Xero's ``LineAmount`` must equal."""
    quantity = dec(line.quantity)
    unit = dec(line.price_unit)
    discount = r2(dec(line.discount))
    amount = xero_line_amount(quantity, unit, discount)
    values = {
        "Description": _description(line),
        "Quantity": number(r4(quantity)),
        "UnitAmount": number(r4(unit)),
        "AccountCode": resolver.account_code(line.account_id),
        "TaxType": resolver.tax_type(line.tax_ids),
        "LineAmount": number(amount),
    }
    if discount:
        values["DiscountRate"] = number(discount)
    tracking = resolver.tracking(line.analytic_distribution) if line.analytic_distribution else []
    if tracking:
        values["Tracking"] = tracking
    odoo_amount = dec(line.price_total if lat == "Inclusive" else line.price_subtotal)
    return values, r2(odoo_amount)


def cash_rounding_line(line, resolver):
    """Odoo's cash-rounding line ("add a rounding line" strategy), sent as is."""
    amount = r2(dec(line.amount_currency) * line.move_id.direction_sign)
    return {
        "Description": _description(line),
        "Quantity": 1,
        "UnitAmount": number(amount),
        "AccountCode": resolver.account_code(line.account_id),
        "TaxType": "NONE",
        "LineAmount": number(amount),
    }


def rounding_line(difference, account_code, env):
    """The line that carries the difference between Odoo's and Xero's rounding."""
    return {
        "Description": env._("Rounding difference (tax rounded per line in Xero)"),
        "Quantity": 1,
        "UnitAmount": number(difference),
        "AccountCode": account_code,
        "TaxType": "NONE",
        "LineAmount": number(difference),
    }


def build_lines(move, resolver, lat):
    """All lines of the document; sections and notes are not sent (Xero has no
    such lines), early-payment-discount lines are refused (Xero has no such
    tax treatment)."""
    lines = []
    for line in move.line_ids.sorted(lambda ln: (ln.sequence, ln.id)):
        if line.display_type == "product":
            lines.append(product_line(line, resolver, lat))
        elif line.display_type == "rounding" and not line.tax_repartition_line_id:
            values = cash_rounding_line(line, resolver)
            lines.append((values, dec(values["LineAmount"])))
        elif line.display_type == "epd":
            raise XeroMappingError(move.env._(
                "%(doc)s has an early payment discount computed on taxes (mixed tax computation), "
                "which Xero cannot represent. Use a payment term without it for documents sent to Xero.",
                doc=move.display_name))
    if not lines:
        raise XeroMappingError(move.env._("%(doc)s has no lines to send to Xero.", doc=move.display_name))
    return lines


def check_totals(move, lines, lat, resolver, rounding_code):
    """Make the Xero total equal Odoo's: return the lines to send.

    Adds a rounding line when the difference comes from per-line tax rounding
    and a rounding account is set; raises with both totals otherwise."""
    env = move.env
    _sub, tax, total = xero_totals(lines, lat, resolver.tax_rate)
    odoo_total = r2(dec(move.amount_total))
    difference = odoo_total - total
    if not difference:
        return lines
    currency = move.currency_id.name
    tolerance = ROUNDING_TOLERANCE_PER_LINE * len(lines)
    if abs(difference) > tolerance:
        raise XeroMappingError(env._(
            "%(doc)s: Xero would compute a total of %(xero)s %(cur)s (tax %(xtax)s) instead of Odoo's "
            "%(odoo)s %(cur)s (tax %(otax)s), a difference of %(diff)s %(cur)s. This is more than rounding: "
            "check that each tax used is mapped to a Xero tax rate with the same percentage "
            "(Accounting ▸ Configuration ▸ Xero ▸ Mappings).",
            doc=move.display_name, xero=total, xtax=tax, odoo=odoo_total, otax=r2(dec(move.amount_tax)),
            diff=difference, cur=currency))
    if callable(rounding_code):
        rounding_code = rounding_code()
    if not rounding_code:
        raise XeroMappingError(env._(
            "%(doc)s: Xero rounds tax on each line and would total %(xero)s %(cur)s instead of Odoo's "
            "%(odoo)s %(cur)s (difference %(diff)s %(cur)s). Choose a rounding account on the Xero "
            "connection (Accounting ▸ Configuration ▸ Xero ▸ Connection) to send the difference on a "
            "rounding line, or adjust the document.",
            doc=move.display_name, xero=total, odoo=odoo_total, diff=difference, cur=currency))
    return [*lines, rounding_line(difference, rounding_code, env)]


def build_document(move, resolver, options):
    """The Xero element (dict) of an invoice, bill or credit note.

    Raises :class:`XeroMappingError` (nothing is sent for that document) when
    a value has no Xero counterpart or the totals cannot be made to agree."""
    kind = kind_of(move)
    if kind is None:
        raise XeroMappingError(move.env._("%(doc)s is not an invoice, bill or credit note.",
                                          doc=move.display_name))
    lat = line_amount_types(move)
    priced = build_lines(move, resolver, lat)
    lines = check_totals(move, [values for values, _amount in priced], lat, resolver, options.rounding_code)
    sub, tax, total = xero_totals(lines, lat, resolver.tax_rate)
    element = {
        "Type": kind.xero_type,
        "Contact": {"ContactID": options.contact_id},
        kind.number_field: document_number(move, kind, options.orders),
        "Date": str(move.invoice_date or move.date),
        "LineAmountTypes": lat,
        "CurrencyCode": move.currency_id.name,
        "Status": options.status,
        "LineItems": lines,
        "SubTotal": number(sub),
        "TotalTax": number(tax),
        "Total": number(total),
    }
    if kind.collection == "Invoices" and move.invoice_date_due:
        element["DueDate"] = str(move.invoice_date_due)
    if kind.sales and move.ref:
        element["Reference"] = move.ref[:255]
    if move.currency_id != move.company_currency_id:
        # Xero's rate is foreign units per unit of the base currency, like Odoo's
        element["CurrencyRate"] = number(dec(move.invoice_currency_rate).quantize(SIX, rounding=ROUND_HALF_UP))
    if options.url:
        element["Url"] = options.url
    if options.xero_id:
        element[kind.id_field] = options.xero_id
    element.update(options.extra)
    return element


def status_element(kind, xero_id, status):
    """A void/delete request element: only the id and the new status."""
    return {kind.id_field: xero_id, "Status": status}


#: the plain (not relational) values of a line that its document's snapshot holds, and their order
SNAPSHOT_LINE_FIELDS = ("sequence", "display_type", "name", "quantity", "price_unit", "discount",
                        "analytic_distribution", "price_subtotal", "price_total", "amount_currency")


def source_snapshot(move, orders=()):
    """What of a document matters to Xero, from Odoo values only (no mapping).

    Its hash decides whether a posted document changed since it was sent:
    lines, amounts, dates, partner, reference, currency and rate, and the
    purchase orders it was made from (only when there are some, so that
    other documents keep their hash).

    The lines' plain values are read a column at a time (``mapped``: the
    same values as reading them line by line, for a fraction of the cost —
    this runs for every document sent)."""
    records = move.line_ids
    col = {name: records.mapped(name) for name in SNAPSHOT_LINE_FIELDS}
    recs = list(records)
    lines = []
    for i in sorted(range(len(recs)), key=lambda i: (col["sequence"][i], recs[i].id)):
        if col["display_type"][i] not in ("product", "rounding", "epd"):
            continue
        line = recs[i]
        lines.append([
            col["display_type"][i], col["name"][i] or "", line.account_id.id, col["quantity"][i],
            col["price_unit"][i], col["discount"][i], sorted(line.tax_ids.ids), col["analytic_distribution"][i] or {},
            col["price_subtotal"][i], col["price_total"][i], col["amount_currency"][i],
        ])
    snapshot = {
        "type": move.move_type, "name": move.name, "ref": move.ref or "",
        "date": str(move.invoice_date or move.date), "due": str(move.invoice_date_due or ""),
        "partner": move.commercial_partner_id.id, "currency": move.currency_id.name,
        "rate": round(move.invoice_currency_rate or 1.0, 6), "total": move.amount_total,
        "tax": move.amount_tax, "lines": lines,
    }
    if orders:
        snapshot["orders"] = sorted(orders)
    return snapshot
