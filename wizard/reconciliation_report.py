"""The summary and detailed views of the reconciliation report
(``wizard/xero_reconciliation.py``): what Odoo's payments settled, the
rows written, the range rule of the detailed view. The comparison itself is
:mod:`..services.reconciliation_detail` (no ORM)."""

from dateutil.relativedelta import relativedelta

from ..services import reconciliation_detail as detail

#: the longest range of the detailed report
DETAIL_MONTHS = 1


def build(wizard):
    """The summary or the detailed report of the wizard, from the stored
    snapshots (read just before by the report's run)."""
    env = wizard.env
    start, end = wizard.date_start, wizard.date_to
    code_cache = {}
    xero_in_range = env["xero.remote.document"].sudo().search([
        ("connection_id", "=", wizard.connection_id.id), ("date", ">=", start), ("date", "<=", end)])
    odoo_docs = wizard._odoo_docs(start, end, set(xero_in_range.mapped("xero_id")), code_cache)
    with_payments(odoo_docs, env["account.move"].sudo().browse([doc.id for doc in odoo_docs]))
    xero_docs = wizard._xero_docs(start, end, {doc.xero_id for doc in odoo_docs if doc.xero_id})
    wizard.line_ids.unlink()
    wizard.summary_ids.unlink()
    if wizard.report_type == "summary":
        agrees = write_summary(wizard, odoo_docs, xero_docs, code_cache)
        summary = env._("Odoo and Xero agree on every kind of document and account.") if agrees else env._(
            "%(count)s row(s) differ.", count=len(wizard.summary_ids.filtered(lambda row: not row.agrees)))
    else:
        results = write_detail(wizard, odoo_docs, xero_docs)
        differ = [result for result in results if result["kind"] != "matched"]
        agrees = not differ
        summary = env._("%(matched)s document(s) agree, %(differ)s line(s) differ.",
                        matched=len(results) - len(differ), differ=len(differ))
    wizard.write({"state": "done", "fully_reconciled": agrees, "summary": summary, "export_file": False,
                  "export_filename": False})


def detail_range_error(wizard):
    """Why the detailed report cannot cover the wizard's range (it covers at
    most one month, e.g. 1 to 31 March, or 15 March to 14 April), or None."""
    if wizard.report_type != "detailed" or not (wizard.date_from and wizard.date_to):
        return None
    if wizard.date_to < wizard.date_from + relativedelta(months=DETAIL_MONTHS):
        return None
    return wizard.env._(
        "The detailed report covers at most one month (%(start)s to %(end)s at the latest); you asked for "
        "%(from)s to %(to)s. Choose a shorter range, or the summary, which covers any range.",
        start=wizard.date_from, end=wizard.date_from + relativedelta(months=DETAIL_MONTHS, days=-1),
        **{"from": wizard.date_from, "to": wizard.date_to})


def odoo_payments(moves):
    """``{move id: (paid, {key: (label, amount, Xero PaymentID)})}``: what
    each document's payments settled, in its currency. Counted: what is
    reconciled with it that is no invoice, bill or credit note (payments,
    bank statement lines, entries); exchange differences are not."""
    result = {}
    for move in moves.filtered(lambda m: m.state == "posted"):
        paid, payments = 0.0, {}
        for partial in move._get_all_reconciled_invoice_partials():
            counterpart = partial["aml"].move_id
            if partial["is_exchange"] or counterpart.is_invoice(include_receipts=True):
                continue
            payment = partial["aml"].payment_id
            key = ("payment", payment.id) if payment else ("move", counterpart.id)
            label, amount, xero_id = payments.get(key, (
                (payment or counterpart).display_name, 0.0, payment.xero_payment_id or ""))
            payments[key] = (label, amount + partial["amount"], xero_id)
            paid += partial["amount"]
        result[move.id] = (round(paid, move.currency_id.decimal_places), payments)
    return result


def with_payments(odoo_docs, moves):
    """``odoo_docs`` with their payments (see :func:`odoo_payments`)."""
    paid = odoo_payments(moves)
    for doc in odoo_docs:
        doc.paid, doc.payments = paid.get(doc.id, (0.0, {}))
    return odoo_docs


def write_summary(wizard, odoo_docs, xero_docs, code_cache):
    """The summary rows of the wizard; True when both sides agree on every row."""
    env = wizard.env
    draft_ok = wizard.connection_id.invoice_status in ("DRAFT", "SUBMITTED")
    by_type, by_account = detail.summarize(odoo_docs, xero_docs, draft_ok=draft_ok)
    base = wizard.company_id.currency_id.name
    accounts = {code: account_id for account_id, code in code_cache.items()}
    labels = {"ACCREC": env._("Invoices"), "ACCPAY": env._("Bills"), "ACCRECCREDIT": env._("Customer credit notes"),
              "ACCPAYCREDIT": env._("Supplier credit notes")}
    rows = []
    for sequence, line in enumerate(by_type):
        rows.append(dict(line, group="type", sequence=sequence,
                         name=labels.get(line["xero_type"], line["xero_type"] or "?")))
    for sequence, line in enumerate(by_account, start=100):
        rows.append(dict(line, group="account", sequence=sequence, currency=base, name=line["account_code"],
                         account_id=accounts.get(line["account_code"], False)))
    for row in rows:
        row.update(wizard_id=wizard.id, difference=round(row["odoo_total"] - row["xero_total"], 2),
                   agrees=(row["odoo_count"], row["odoo_total"], row["odoo_paid"]) == (
                       row["xero_count"], row["xero_total"], row["xero_paid"]))
    env["xero.reconciliation.summary"].create(rows)
    return all(row["agrees"] for row in rows)


def write_detail(wizard, odoo_docs, xero_docs):
    """The detailed lines of the wizard; their results (dicts)."""
    draft_ok = wizard.connection_id.invoice_status in ("DRAFT", "SUBMITTED")
    results = detail.detail(odoo_docs, xero_docs, draft_ok=draft_ok)
    Line = wizard.env["xero.reconciliation.line"]
    Line.create([dict({k: v for k, v in result.items() if k in Line._fields}, wizard_id=wizard.id,
                      description=Line._describe(result)) for result in results])
    return results


def write_summary_sheet(wizard, book):
    """The summary rows as a sheet of the exported workbook (nothing for other reports)."""
    if not wizard.summary_ids:
        return
    t = wizard.env._
    sheet = book.add_worksheet(t("Summary"))
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0.00"})
    headers = [t("Type or account"), t("Currency"), t("Odoo documents"), t("Xero documents"), t("Odoo total"),
               t("Xero total"), t("Paid in Odoo"), t("Paid in Xero"), t("Gap")]
    for col, header in enumerate(headers):
        sheet.write(0, col, header, bold)
    for row, line in enumerate(wizard.summary_ids, start=1):
        sheet.write(row, 0, line.name)
        sheet.write(row, 1, line.currency or "")
        sheet.write_number(row, 2, line.odoo_count)
        sheet.write_number(row, 3, line.xero_count)
        for col, field in enumerate(("odoo_total", "xero_total", "odoo_paid", "xero_paid", "difference"), start=4):
            sheet.write_number(row, col, line[field], money)
    sheet.set_column(0, 0, 26)
