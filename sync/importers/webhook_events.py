"""Xero → Odoo: the webhook events queued by the public controller
(``xero.webhook.event``), processed first by the inbound run (:mod:`.inbound`).

The inbound run claims the pending events (up to :data:`CLAIM_LIMIT` at a
time) and fetches their records by id, per category, in chunks of
:data:`~...services.api.accounting.FETCH_CHUNK`:

* invoices / credit notes bound to Odoo documents: Xero's status and amount
  due are stored on the document (``xero_remote_status``,
  ``xero_remote_due``), and — when the connection imports payments — their
  payments are fetched and applied like polled ones (:mod:`.payments`);
* contacts bound to Odoo partners (when the connection imports contacts):
  the partner is refreshed through the contact import's update
  (:func:`.contact_pages.update_partner`).

Skipped without a call: events of records not linked to Odoo (closed as
"not linked") and contact events of a connection that does not import
contacts. Each group is committed, so a run stopped half-way loses nothing.
"""

from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ...services.api.accounting import FETCH_CHUNK
from ..run import commit
from . import contact_pages as contact_import
from . import payments

#: events claimed per loop of the inbound run
CLAIM_LIMIT = 1000
#: (collection, id field) of the document categories
DOCUMENT_CATEGORIES = {"INVOICE": ("Invoices", "InvoiceID"), "CREDITNOTE": ("CreditNotes", "CreditNoteID")}


def claim_events(ctx):
    """The next pending events of the connection (oldest first), locked;
    events another worker holds are skipped."""
    env = ctx.env
    env["xero.webhook.event"].flush_model()
    env.cr.execute(SQL(
        """SELECT id FROM xero_webhook_event
            WHERE connection_id = %s AND state = 'pending'
         ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED""", ctx.connection.id, CLAIM_LIMIT))
    return env["xero.webhook.event"].sudo().browse([row[0] for row in env.cr.fetchall()])


def process_events(ctx):
    """Fetch the records of the pending webhook events and close the events
    (see the module doc), committed per group."""
    while True:
        events = claim_events(ctx)
        if not events:
            return
        for category in ("INVOICE", "CREDITNOTE", "CONTACT"):
            group = events.filtered(lambda e, c=category: e.category == c)
            if group:
                refresh_group(ctx, category, group)
                commit(ctx.env)


def refresh_group(ctx, category, events):
    """Refresh the linked records of ``events`` (one category) and close
    every event: "not linked" without a call, "done" once refreshed."""
    env, connection = ctx.env, ctx.connection
    if category == "CONTACT" and not connection.import_contacts:
        events._xero_close("ignored", env._("Contacts are not imported from Xero (see the connection)."))
        return
    model = "res.partner" if category == "CONTACT" else "account.move"
    bound = env["xero.binder"]._to_records(model, events.mapped("resource_id"), connection.company_id)
    unlinked = events.filtered(lambda e: e.resource_id not in bound)
    unlinked._xero_close("ignored", env._("This record is not linked to an Odoo record."))
    linked = events - unlinked
    ids = list(dict.fromkeys(linked.mapped("resource_id")))
    for start in range(0, len(ids), FETCH_CHUNK):
        chunk = ids[start:start + FETCH_CHUNK]
        if category == "CONTACT":
            refresh_contacts(ctx, chunk, bound)
        else:
            refresh_documents(ctx, category, chunk, bound)
        linked.filtered(lambda e, c=set(chunk): e.resource_id in c)._xero_close("done")


def refresh_documents(ctx, category, ids, moves):
    """Store Xero's status and amount due of these documents, then apply
    their payments. The payments are not read while payments sent from
    Odoo wait for Xero's answer: the poll, whose cursor has not moved,
    reads them once those are settled."""
    collection, id_field = DOCUMENT_CATEGORIES[category]
    for element in ctx.api.documents_by_ids(collection, ids):
        move = moves.get(element.get(id_field))
        if move:
            move._xero_store_remote(element)
    connection = ctx.connection
    if connection.import_payments and not payments.payments_in_flight(connection):
        payments.apply(ctx, ctx.api.payments_of_documents(collection, ids))


def refresh_contacts(ctx, ids, partners):
    """Refresh bound partners from their Xero contacts through the contact
    import's own update (Xero's non-empty values win; nothing is pushed back
    to Xero). A partner Odoo refuses to update is logged and skipped."""
    env, connection = ctx.env, ctx.connection
    company = connection.company_id
    lookup = contact_import.AddressLookup(env)
    title_id = connection.contact_default_title_id.id
    Log = env["xero.sync.log"]
    for contact in ctx.api.contacts_by_ids(ids):
        partner = partners.get(contact.get("ContactID"))
        if not partner:
            continue
        try:
            with env.cr.savepoint():
                changed = contact_import.update_partner(partner.with_company(company), contact, lookup, title_id)
        except (UserError, ValidationError) as exc:
            Log._log(connection, "contact", "import", "failed", record=partner, run=ctx.run,
                     xero_id=contact["ContactID"], message=env._(
                         "%(name)s could not be updated from Xero: %(error)s", name=partner.display_name,
                         error=exc.args[0] if exc.args else exc))
            continue
        if changed:
            Log._log(connection, "contact", "import", "done", record=partner, run=ctx.run,
                     xero_id=contact["ContactID"], message=env._("Updated from Xero (webhook)."))
