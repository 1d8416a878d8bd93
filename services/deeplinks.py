"""Xero's deep links: the address of a document or contact in Xero's web app.

Xero documents them ("Deep link to Xero", developer.xero.com): with the
organisation's ``ShortCode`` (from the Organisation endpoint) the link opens
the right organisation whichever one the user last had open; without it,
the one last opened. Pure functions, no Odoo.
"""

from urllib.parse import quote

XERO_APP = "https://go.xero.com"
#: the page of each kind of Xero document (by its ``Type``)
DOCUMENT_PAGES = {
    "ACCREC": "/AccountsReceivable/View.aspx?InvoiceID={id}",
    "ACCPAY": "/AccountsPayable/Edit.aspx?InvoiceID={id}",
    "ACCRECCREDIT": "/AccountsReceivable/ViewCreditNote.aspx?creditNoteID={id}",
    "ACCPAYCREDIT": "/AccountsPayable/ViewCreditNote.aspx?creditNoteID={id}",
}
CONTACT_PAGE = "/Contacts/View/{id}"


def _link(short_code, page):
    if short_code:
        return f"{XERO_APP}/organisationlogin/default.aspx?shortcode={quote(short_code, safe='!')}&redirecturl={page}"
    return XERO_APP + page


def document_link(short_code, xero_type, xero_id):
    """The link to a Xero invoice, bill or credit note (None without an id or a known type)."""
    page = DOCUMENT_PAGES.get(xero_type or "")
    return _link(short_code, page.format(id=xero_id)) if page and xero_id else None


def contact_link(short_code, contact_id):
    """The link to a Xero contact (None without an id)."""
    return _link(short_code, CONTACT_PAGE.format(id=contact_id)) if contact_id else None
