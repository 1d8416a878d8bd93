"""Odoo ⇄ Xero reconciliation: plain comparison of two sets of documents.

No ORM here: the wizard (``wizard/xero_reconciliation.py``) reads Odoo and
the stored Xero snapshots into plain dicts, calls :func:`compare` and writes
the result lines.

What is compared
================
* **Documents** (invoices, bills, credit notes) dated in the range, paired by
  their Xero id (the binding made when Odoo sent them):

  - posted in Odoo, absent (or deleted) in Xero → ``missing_xero``;
  - approved or paid in Xero (AUTHORISED/PAID), linked to no Odoo document
    → ``missing_odoo`` (drafts, voided and deleted Xero documents carry no
    amount and are not reported);
  - pairs that differ → **one line per document**, whose kind is the first
    difference in the order ``status``, ``tax``, ``total``, ``amount_due``
    (a different tax also changes the total, a void also changes the amount
    due: the line names the cause and shows every value side by side).

* **Account balances**: per account code, the lines (net of tax, in the
  company's currency) of the pairs that agree on everything above. A
  difference there is a document posted to another account on one side;
  documents already listed explain every other difference, so they are not
  counted twice.

Matched documents produce no line; no line at all means "fully reconciled".
"""

from dataclasses import dataclass, field

#: order in which a document's differences name its line
DOCUMENT_KINDS = ("status", "tax", "total", "amount_due")
XERO_STATUS = {"DRAFT": "draft", "SUBMITTED": "draft", "AUTHORISED": "open", "PAID": "paid",
               "VOIDED": "cancelled", "DELETED": "cancelled"}
XERO_COUNTED = ("AUTHORISED", "PAID")
#: sign of a document's lines in an account balance (debit positive), by Xero type
LINE_SIGN = {"ACCREC": -1, "ACCRECCREDIT": 1, "ACCPAY": 1, "ACCPAYCREDIT": -1}


@dataclass
class OdooDoc:
    """One Odoo document, as the comparison needs it (amounts in its currency)."""

    id: int
    name: str
    xero_id: str
    status: str  # draft / open / paid / cancelled
    total: float
    tax: float
    due: float
    currency: str
    digits: int = 2
    partner: str = ""
    date: object = None
    in_range: bool = True
    balances: dict = field(default_factory=dict)  # {code: company-currency balance}
    note: str = ""
    move_type: str = ""  # out_invoice, in_invoice, out_refund, in_refund
    paid: float = 0.0  # what its payments settled (credit notes not counted), in its currency
    payments: dict = field(default_factory=dict)  # {key: (label, amount, Xero PaymentID or "")}


@dataclass
class XeroDoc:
    """One Xero document snapshot (amounts in its currency)."""

    xero_id: str
    number: str
    xero_type: str
    status: str  # Xero's status
    total: float
    tax: float
    due: float
    currency: str
    date: object = None
    contact: str = ""
    in_range: bool = True
    balances: dict = field(default_factory=dict)  # {code: company-currency balance}
    foreign: bool = False
    paid: float = 0.0  # AmountPaid (refunds of a credit note), in its currency
    payments: dict = field(default_factory=dict)  # {PaymentID: amount}


def xero_balances(element, base_currency):
    """``{account code: balance in base currency}`` of a Xero document's lines.

    Net of tax (an ``Inclusive`` line amount includes its tax), converted
    with the document's ``CurrencyRate`` (units of its currency per unit of
    the base currency), signed as a debit/credit balance."""
    sign = LINE_SIGN.get(element.get("Type"), 1)
    inclusive = (element.get("LineAmountTypes") or "").lower() == "inclusive"
    rate = float(element.get("CurrencyRate") or 1.0) or 1.0
    if (element.get("CurrencyCode") or base_currency) == base_currency:
        rate = 1.0
    balances = {}
    for line in element.get("LineItems") or []:
        code = line.get("AccountCode")
        if not code:
            continue
        net = float(line.get("LineAmount") or 0.0)
        if inclusive:
            net -= float(line.get("TaxAmount") or 0.0)
        balances[code] = balances.get(code, 0.0) + sign * net / rate
    return {code: round(amount, 2) for code, amount in balances.items()}


def _differs(a, b, digits):
    return round(abs((a or 0.0) - (b or 0.0)), digits) >= 0.5 * 10 ** -digits


def odoo_status_matches(odoo_status, xero_status, draft_ok=False):
    """Whether the Odoo status and Xero's agree. ``draft_ok``: the connection
    sends documents unapproved, so an open Odoo document may be a Xero draft."""
    xero = XERO_STATUS.get(xero_status, xero_status)
    if odoo_status == xero:
        return True
    return draft_ok and odoo_status == "open" and xero == "draft"


def document_differences(odoo, xero, draft_ok=False):
    """Kinds (in :data:`DOCUMENT_KINDS` order) on which a pair differs."""
    kinds = []
    if not odoo_status_matches(odoo.status, xero.status, draft_ok):
        kinds.append("status")
    if _differs(odoo.tax, xero.tax, odoo.digits):
        kinds.append("tax")
    if _differs(odoo.total, xero.total, odoo.digits):
        kinds.append("total")
    xero_due = 0.0 if XERO_STATUS.get(xero.status) == "cancelled" else xero.due
    odoo_due = 0.0 if odoo.status == "cancelled" else odoo.due
    if _differs(odoo_due, xero_due, odoo.digits):
        kinds.append("amount_due")
    return kinds


def compare(odoo_docs, xero_docs, codes=None, draft_ok=False, tolerance=0.005):
    """Compare documents; return result lines (dicts, see module doc).

    ``odoo_docs``: :class:`OdooDoc` in the range *and* those bound to Xero
    documents in the range (``in_range`` tells which). ``xero_docs``:
    ``{xero_id: XeroDoc}`` of every snapshot that may pair with them plus the
    ones in the range. ``codes``: account codes whose balances are compared
    (None: every code met)."""
    lines = []
    bound = {doc.xero_id for doc in odoo_docs if doc.xero_id}
    clean = []
    for odoo in odoo_docs:
        xero = xero_docs.get(odoo.xero_id) if odoo.xero_id else None
        if xero is None or xero.status == "DELETED":
            if odoo.in_range and odoo.status in ("open", "paid"):
                lines.append(_line("missing_xero", odoo, xero))
            continue
        if not (odoo.in_range or xero.in_range):
            continue
        kinds = document_differences(odoo, xero, draft_ok)
        if kinds:
            lines.append(_line(kinds[0], odoo, xero, kinds))
        else:
            clean.append((odoo, xero))
    for xero in xero_docs.values():
        if xero.in_range and xero.xero_id not in bound and xero.status in XERO_COUNTED:
            lines.append(_line("missing_odoo", None, xero))
    lines.extend(_balance_lines(clean, codes, tolerance))
    return lines


def _balance_lines(pairs, codes, tolerance):
    odoo_sum, xero_sum, foreign = {}, {}, {}
    for odoo, xero in pairs:
        for code, amount in odoo.balances.items():
            odoo_sum[code] = odoo_sum.get(code, 0.0) + amount
        for code, amount in xero.balances.items():
            xero_sum[code] = xero_sum.get(code, 0.0) + amount
            if xero.foreign:
                foreign[code] = foreign.get(code, 0) + 1
    lines = []
    for code in sorted(set(odoo_sum) | set(xero_sum)):
        if codes is not None and code not in codes:
            continue
        o, x = round(odoo_sum.get(code, 0.0), 2), round(xero_sum.get(code, 0.0), 2)
        # conversions of foreign-currency documents may round differently by a cent each
        allowed = tolerance + 0.01 * foreign.get(code, 0)
        if abs(o - x) > allowed:
            lines.append({"kind": "balance", "account_code": code, "odoo_balance": o, "xero_balance": x,
                          "difference": round(o - x, 2)})
    return lines


def _line(kind, odoo, xero, kinds=None):
    line = {"kind": kind, "kinds": kinds or [kind]}
    if odoo is not None:
        line.update(move_id=odoo.id, name=odoo.name, partner=odoo.partner, date=odoo.date,
                    currency=odoo.currency, odoo_total=odoo.total, odoo_tax=odoo.tax,
                    odoo_due=0.0 if odoo.status == "cancelled" else odoo.due, odoo_status=odoo.status,
                    note=odoo.note)
    if xero is not None:
        line.update(xero_id=xero.xero_id, xero_type=xero.xero_type, xero_number=xero.number, xero_total=xero.total,
                    xero_tax=xero.tax,
                    xero_due=0.0 if XERO_STATUS.get(xero.status) == "cancelled" else xero.due,
                    xero_status=xero.status)
        line.setdefault("partner", xero.contact)
        line.setdefault("date", xero.date)
        line.setdefault("currency", xero.currency)
        if odoo is None:
            line["name"] = xero.number
    if odoo is not None and xero is not None:
        line["difference"] = round((odoo.total or 0.0) - (xero.total or 0.0), 2)
    return line
