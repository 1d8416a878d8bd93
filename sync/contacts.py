"""Partners on their way to Xero: which changes are pushed, the history
note of a change, and the partner's "Export to Xero" button.

``models/res_partner.py`` calls these from its hooks; the sending itself is
the contact exporter's (``sync/exporters/contact.py``).
"""

from odoo import fields, models
from odoo.exceptions import UserError

from ..services.errors import XeroMappingError
from ..services.mappers.contact import contact_hash, contact_payload
from .exporters.contact import ContactExporter
from .run import MANUAL_SLICE, SyncRun

#: partner fields named in the history note written in Xero
NOTE_FIELDS = ("name", "title", "email", "phone", "mobile", "street", "street2", "city", "zip",
               "state_id", "country_id", "vat", "ref")


def push_connections(env):
    """The connected connections that push contact changes."""
    return env["xero.connection"].sudo().search([("push_contacts", "=", True), ("state", "=", "connected")])


def _display(partner, field):
    value = partner[field]
    if isinstance(value, models.BaseModel):
        return value.display_name or ""
    return value or ""


def note_values(partners, vals):
    """What the history note will compare: ``{partner id: {field: shown value}}`` before a write."""
    names = [f for f in NOTE_FIELDS if f in vals]
    return {p.id: {f: _display(p, f) for f in names} for p in partners}


def change_notes(partners, before):
    """``{commercial partner id: ["Email: a → b", ...]}`` after a write."""
    env = partners.env
    notes = {}
    for partner in partners:
        lines = []
        for field, old in before.get(partner.id, {}).items():
            new = _display(partner, field)
            if new != old:
                label = partner._fields[field].get_description(env)["string"]
                lines.append(f"{label}: {old or env._('(empty)')} → {new or env._('(empty)')}")
        if lines:
            if partner.commercial_partner_id != partner:
                lines = [env._("Contact person %(name)s: %(change)s", name=partner.name, change=line) for line in lines]
            notes.setdefault(partner.commercial_partner_id.id, []).extend(lines)
    return notes


def queue_push(partners, connections, notes=None):
    """Queue a "contact" row for each bound partner whose Xero payload
    changed, per pushing connection. Skips unbound partners (they are created
    when a document needs them or by "Export to Xero"), partners of another
    company, and edits Xero would not see (same hash)."""
    env = partners.env
    Queue = env["xero.queue"].sudo()
    binder = env["xero.binder"]
    stamp = env._("Changed in Odoo by %(user)s on %(date)s UTC", user=env.user.name,
                  date=fields.Datetime.to_string(fields.Datetime.now())[:16])
    for conn in connections:
        company = conn.company_id
        for partner in partners.sudo().with_company(company):
            if (partner.company_id and partner.company_id != company) or not partner.xero_contact_id:
                continue
            try:
                digest = contact_hash(contact_payload(partner, binder._to_xero(partner, company)))
            except XeroMappingError:
                digest = None  # the row fails at send time with the message
            if digest and digest == partner.xero_contact_hash:
                continue
            row = Queue._xero_enqueue(conn, partner, action="contact", payload_hash=digest)
            lines = (notes or {}).get(partner.id)
            if conn.contact_history and lines:
                note = f"{stamp}: " + "; ".join(lines)
                row.xero_history_note = "\n".join(filter(None, [row.xero_history_note, note]))


def export_partner(connection, partner):
    """Create ``partner`` (unlinked) as a new Xero contact now; the notification.

    Xero's limit, an outage or a refused token end the run with the reason
    (the request, if it left, is replayed by the next sync, never sent twice)."""
    env = partner.env
    company = connection.company_id
    if env["xero.binder"]._to_xero(partner, company):
        raise UserError(env._("%s is already linked to a Xero contact.", partner.display_name))
    errors = {}
    sync = SyncRun(connection, "export", "manual", operation=env._("Export contact"), slice=MANUAL_SLICE,
                   one_off=True)
    with sync as ctx:
        errors = ContactExporter(ctx).ensure(partner.sudo().with_company(company))
    if sync.state or errors:
        message, kind = errors.get(partner.id) or sync.message, "danger"
    else:
        message, kind = env._("%s was created in Xero.", partner.display_name), "success"
    return _notification(env, message, kind)


def _notification(env, message, kind):
    return {"type": "ir.actions.client", "tag": "display_notification",
            "params": {"title": env._("Export to Xero"), "message": message, "type": kind,
                       "sticky": kind == "danger", "next": {"type": "ir.actions.client", "tag": "soft_reload"}}}
