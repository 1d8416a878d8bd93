"""The reconciliation report's summary and detailed views: plain functions
over the :class:`~.reconciliation.OdooDoc` / :class:`~.reconciliation.XeroDoc`
the wizard reads (no ORM here).

Summary (:func:`summarize`), over any range
==========================================
Per kind of document (invoices, bills, customer and supplier credit notes)
and currency: how many documents each side has in the range, their totals
and what their payments settled. Per account code: the documents touching
it and their net line amounts (company currency). Counted: posted Odoo
documents (not cancelled), approved or paid Xero documents (drafts too
when the connection sends drafts) — the ones that carry amounts.

Detailed (:func:`detail`), line by line
=======================================
One line per document in the range — those that agree too — and one per
payment present on one side only:

* a pair is named by its first difference in the order status, tax,
  total, amount due, amount paid; ``matched`` when none;
* ``missing_xero`` / ``missing_odoo`` as in :func:`.reconciliation.compare`;
* ``payment_odoo``: a payment of the Odoo document that no payment of its
  Xero document is (never sent, or deleted in Xero); ``payment_xero``: a
  payment of the Xero document no Odoo payment of the document is bound to.
"""

from .reconciliation import XERO_COUNTED, _differs, _line, document_differences

#: the Xero type of each Odoo document type
XERO_TYPE = {"out_invoice": "ACCREC", "in_invoice": "ACCPAY", "out_refund": "ACCRECCREDIT",
             "in_refund": "ACCPAYCREDIT"}
TYPE_ORDER = ("ACCREC", "ACCPAY", "ACCRECCREDIT", "ACCPAYCREDIT")
DRAFTS = ("DRAFT", "SUBMITTED")


def counted_odoo(doc):
    return doc.in_range and doc.status in ("open", "paid")


def counted_xero(doc, draft_ok=False):
    return doc.in_range and (doc.status in XERO_COUNTED or (draft_ok and doc.status in DRAFTS))


def summarize(odoo_docs, xero_docs, draft_ok=False):
    """``(by_type, by_account)``: lists of dicts (see the module doc).

    ``by_type`` rows: ``xero_type``, ``currency``, ``odoo_count``,
    ``xero_count``, ``odoo_total``, ``xero_total``, ``odoo_paid``,
    ``xero_paid``; ``by_account`` rows: ``account_code``, the counts and
    ``odoo_total``/``xero_total`` (net line amounts, signed as balances)."""
    types, accounts = {}, {}

    def add(side, xero_type, doc):
        line = types.setdefault((xero_type, doc.currency), _row(xero_type=xero_type, currency=doc.currency))
        line[f"{side}_count"] += 1
        line[f"{side}_total"] += doc.total
        line[f"{side}_paid"] += doc.paid
        for code, amount in doc.balances.items():
            account = accounts.setdefault(code, _row(account_code=code))
            account[f"{side}_count"] += 1
            account[f"{side}_total"] += amount

    for doc in filter(counted_odoo, odoo_docs):
        add("odoo", XERO_TYPE.get(doc.move_type, ""), doc)
    for doc in (d for d in xero_docs.values() if counted_xero(d, draft_ok)):
        add("xero", doc.xero_type, doc)
    for table in (types, accounts):
        for line in table.values():
            for key in ("odoo_total", "xero_total", "odoo_paid", "xero_paid"):
                line[key] = round(line[key], 2)
    by_type = [types[key] for key in sorted(types, key=lambda k: (
        TYPE_ORDER.index(k[0]) if k[0] in TYPE_ORDER else 9, k[1] or ""))]
    return by_type, [accounts[code] for code in sorted(accounts)]


def _row(**init):
    return dict(init, odoo_count=0, xero_count=0, odoo_total=0.0, xero_total=0.0, odoo_paid=0.0, xero_paid=0.0)


def detail(odoo_docs, xero_docs, draft_ok=False):
    """The detailed lines (dicts, see the module doc), documents in date order."""
    lines = []
    bound = {doc.xero_id for doc in odoo_docs if doc.xero_id}
    for odoo in odoo_docs:
        xero = xero_docs.get(odoo.xero_id) if odoo.xero_id else None
        if xero is None or xero.status == "DELETED":
            if counted_odoo(odoo):
                lines.append(dict(_line("missing_xero", odoo, None), odoo_paid=odoo.paid))
                lines.extend(_payment_line("payment_odoo", odoo, None, label, amount, xero_id)
                             for label, amount, xero_id in odoo.payments.values())
            continue
        if not (odoo.in_range or xero.in_range):
            continue
        kinds = document_differences(odoo, xero, draft_ok)
        if _differs(odoo.paid, xero.paid, odoo.digits):
            kinds.append("paid")
        line = _line(kinds[0] if kinds else "matched", odoo, xero, kinds or ["matched"])
        lines.append(dict(line, odoo_paid=odoo.paid, xero_paid=xero.paid))
        lines.extend(payment_lines(odoo, xero))
    for xero in xero_docs.values():
        if counted_xero(xero) and xero.xero_id not in bound:
            lines.append(dict(_line("missing_odoo", None, xero), xero_paid=xero.paid))
            lines.extend(_payment_line("payment_xero", None, xero, xero.number, amount, payment_id)
                         for payment_id, amount in xero.payments.items())
    return sorted(lines, key=lambda line: (str(line.get("date") or ""), line.get("name") or "", line["kind"]))


def payment_lines(odoo, xero):
    """Lines of the payments of a pair present on one side only."""
    lines = []
    sent = set()
    for label, amount, payment_id in odoo.payments.values():
        if payment_id and payment_id in xero.payments:
            sent.add(payment_id)
            continue
        lines.append(_payment_line("payment_odoo", odoo, xero, label, amount, payment_id))
    for payment_id, amount in xero.payments.items():
        if payment_id not in sent:
            lines.append(_payment_line("payment_xero", odoo, xero, xero.number, amount, payment_id))
    return lines


def _payment_line(kind, odoo, xero, label, amount, payment_id):
    line = _line(kind, odoo, xero)
    line.update(payment=label or "", payment_id=payment_id or "",
                odoo_paid=amount if kind == "payment_odoo" else 0.0,
                xero_paid=amount if kind == "payment_xero" else 0.0)
    return line
