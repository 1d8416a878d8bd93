"""Connecting, reconnecting and disconnecting a company's Xero organisation.

The OAuth dance itself (state, PKCE, code exchange) lives in
``models/xero_oauth_state.py`` and ``controllers/oauth.py``; this module
holds what the connection does with it: which scopes to ask, how an
organisation is attached (keeping or clearing the links to Xero records),
and how it is detached at Xero's side. The callers check the user's group;
these functions write the protected fields through ``sudo()``.
"""

from odoo.exceptions import UserError
from odoo.http import request

from ..services.api import IdentityAdapter
from ..services.errors import XeroAuthError, XeroError, XeroNotFoundError
from .tokens import client_of, locked_tokens, store_token

CALLBACK_PATH = "/xero/oauth/callback"
#: asked always: refresh tokens, organisation settings (accounts, taxes,
#: tracking, items), contacts (sent with every document) and invoices
#: (invoices, bills, credit notes, purchase orders) — Xero's granular scopes.
BASE_SCOPES = ("offline_access", "accounting.settings.read", "accounting.contacts", "accounting.invoices")
#: a broader scope granted earlier that covers a granular one
COVERED_BY = {
    "accounting.invoices": ("accounting.transactions",),
    "accounting.payments": ("accounting.transactions",),
    "accounting.settings.read": ("accounting.settings",),
}
#: what connecting another organisation forgets, besides the binder's ids and the queue
ORGANISATION_MODELS = ("xero.account", "xero.tax.rate", "xero.tracking.category", "xero.contact.match",
                       "xero.import.job", "xero.request", "xero.attachment.binding")


def scope_granted(scope, granted):
    """Whether ``scope`` is covered by the ``granted`` set (write scopes cover
    their ``.read`` variant; the old broad scopes cover the granular ones)."""
    candidates = {scope, *COVERED_BY.get(scope, ())}
    if scope.endswith(".read"):
        base = scope[: -len(".read")]
        candidates |= {base, *COVERED_BY.get(base, ())}
    return bool(candidates & granted)


def scopes_for(connection):
    """The fewest Xero scopes the enabled features need (plus offline access).

    Payments: ``accounting.payments`` to send them, its read variant to only
    import them; attachments only when exported."""
    scopes = list(BASE_SCOPES)
    if connection.send_payments:
        scopes.append("accounting.payments")
    elif connection.import_payments:
        scopes.append("accounting.payments.read")
    if connection.export_attachments:
        scopes.append("accounting.attachments")
    return scopes


def start(connection):
    """The authorisation (Connect / Reconnect): the URL of Xero's consent
    page. The PKCE verifier and state are kept server side, bound to this
    user, browser session and company."""
    env = connection.env
    conn = connection.sudo()
    if not conn.client_id or not conn.client_secret:
        raise UserError(env._(
            "Enter the Client ID and Client Secret of your Xero app first (Accounting ▸ Configuration ▸ Xero ▸ "
            "Connection ▸ Endpoints and credentials). Create the app at developer.xero.com with the redirect "
            "URI %s.", connection._xero_redirect_uri()))
    wizard_id = env.context.get("xero_setup_wizard_id") or False
    sid = request.session.sid if request else None
    url = env["xero.oauth.state"]._xero_start(connection, sid, wizard_id=wizard_id)
    return {"type": "ir.actions.act_url", "url": url, "target": "self"}


def needs_confirmation(connection, tenant_id):
    """Connecting another organisation than the one linked before clears the
    links to the previous one: ask first."""
    return bool(connection.tenant_id and connection.tenant_id != tenant_id)


def connect_organisation(connection, org, token, confirmed=False):
    """Attach ``org`` (an Identity connection dict) with ``token``.

    The same organisation again keeps every link; another one needs
    ``confirmed`` and clears the links of the previous organisation. An
    organisation connected to another company is refused: the links of one
    organisation live in one company."""
    conn = connection.sudo()
    env = conn.env
    other = conn.search([("id", "!=", conn.id), ("tenant_id", "=", org["tenantId"]), ("state", "=", "connected")],
                        limit=1)
    if other:
        raise UserError(env._(
            "%(org)s is already connected to the company %(company)s. An organisation can be connected to one "
            "company only: pick another organisation.", org=org.get("tenantName"), company=other.company_id.name))
    if needs_confirmation(conn, org["tenantId"]):
        if not confirmed:
            raise UserError(env._(
                "%(company)s was connected to %(old)s. Confirm that you want to connect %(new)s instead: the "
                "links to %(old)s will be cleared.", company=conn.company_id.name, old=conn.tenant_name,
                new=org.get("tenantName")))
        clear_links(conn, conn.tenant_name, org.get("tenantName"))
    conn.write({"tenant_id": org["tenantId"], "tenant_name": org.get("tenantName") or org["tenantId"],
                "xero_connection_id": org.get("id"), "state": "connected", "state_message": False})
    store_token(conn, token)
    reconnect_activities(conn).action_done()
    conn.message_post(body=env._(
        "Connected to the Xero organisation %(org)s by %(user)s (permissions: %(scope)s).",
        org=conn.tenant_name, user=env.user.name, scope=token.get("scope") or ""),
        message_type="notification", subtype_xmlid="mail.mt_note")


def reconnect_activities(connection):
    """The "Reconnect Xero" to-dos left by a disconnection (done once reconnected)."""
    summaries = {"Reconnect Xero", connection.env._("Reconnect Xero")}
    return connection.activity_ids.filtered(lambda a: a.summary in summaries)


def clear_links(connection, previous_name, new_name):
    """Forget everything tied to the previous organisation: the Xero ids of
    partners, accounts, documents... (through the binder), the queue rows and
    requests (their bodies and keys were for it), its chart, rates, tracking,
    contact imports and proposals, and the Xero status and version kept on
    partners and documents. Sync history and logs are kept. Refused while a
    request waits for the previous organisation's answer."""
    env = connection.env
    company = connection.company_id
    if env["xero.queue"].sudo().search_count([("connection_id", "=", connection.id), ("state", "=", "sending")]):
        raise UserError(env._(
            "Requests to %(org)s are still waiting for its answer: run a sync first, so that nothing it "
            "created is forgotten, then connect the other organisation.", org=previous_name))
    counts = env["xero.binder"]._unbind_company(company)
    moves = env["account.move"].sudo().search([("company_id", "=", company.id), ("xero_state", "!=", "none")])
    moves.write({"xero_state": "none", "xero_hash": False, "xero_sent_date": False, "xero_remote_status": False,
                 "xero_remote_due": 0.0,
                 "xero_message": env._("Was linked to the Xero organisation %s.", previous_name)})
    queue = env["xero.queue"].sudo().search([("connection_id", "=", connection.id)])
    counts["xero.queue"] = len(queue)
    queue.unlink()
    for model in ORGANISATION_MODELS:
        records = env[model].sudo().search([("connection_id", "=", connection.id)])
        counts[model] = len(records)
        records.unlink()
    partners = env["res.partner"].sudo().with_company(company).with_context(active_test=False, xero_no_push=True) \
        .search(["|", ("xero_contact_hash", "!=", False), ("xero_contact_status", "!=", False)])
    partners.write({"xero_contact_hash": False, "xero_contact_status": False})
    detail = ", ".join(f"{env[model]._description}: {n}" for model, n in counts.items() if n)
    connection.message_post(body=env._(
        "Links to %(old)s cleared before connecting %(new)s (%(detail)s).",
        old=previous_name, new=new_name, detail=detail or env._("nothing was linked")),
        message_type="notification", subtype_xmlid="mail.mt_note")
    return counts


def disconnect(connection):
    """Remove the organisation's connection at Xero (``DELETE
    /connections/{id}``), revoke the authorisation, forget the tokens. The
    organisation and every link are kept, so reconnecting the same
    organisation continues where it stopped."""
    conn = connection.sudo()
    env = conn.env
    notes = remote_disconnect(conn)
    conn.write({"state": "disconnected", "state_message": env._("Disconnected by %s.", env.user.name),
                "access_token": False, "refresh_token": False, "token_expires_at": False, "token_scope": False,
                "xero_connection_id": False})
    reconnect_activities(conn).unlink()
    conn.message_post(body=env._("Disconnected from %(org)s by %(user)s. %(notes)s",
                                 org=conn.tenant_name, user=env.user.name, notes=" ".join(notes)),
                      message_type="notification", subtype_xmlid="mail.mt_note")


def remote_disconnect(conn):
    """The Xero side of a disconnection; returns notes for the chatter.

    The refresh token is not revoked when another company is connected
    through the same Xero app: Xero's revocation removes every connection of
    the Xero user to the app, that company's included. A grant already gone
    at Xero is not an error here."""
    env = conn.env
    notes = []
    access = refresh = None
    if conn.refresh_token:
        try:  # the latest committed tokens, refreshed if about to expire
            access, _expires, refresh = locked_tokens(conn.with_context(xero_no_alert=True))
        except XeroAuthError:
            notes.append(env._("Xero had already withdrawn the authorisation."))
        except XeroError as exc:
            raise UserError(env._("Xero could not be reached to disconnect: %s Try again.", exc.message)) from exc
    if not access:
        return notes
    identity = IdentityAdapter(client_of(conn, access))
    try:
        removed = identity.disconnect_tenant(conn.tenant_id)
        notes.append(env._("The connection was removed in Xero.") if removed
                     else env._("The organisation was already disconnected in Xero."))
    except XeroNotFoundError:
        notes.append(env._("The organisation was already disconnected in Xero."))
    except XeroAuthError:
        notes.append(env._("Xero had already withdrawn the authorisation."))
        return notes
    except XeroError as exc:
        raise UserError(env._("Xero could not be reached to disconnect: %s Try again.", exc.message)) from exc
    siblings = conn.search([("id", "!=", conn.id), ("state", "=", "connected"), ("client_id", "=", conn.client_id),
                            ("identity_url", "=", conn.identity_url)])
    if siblings:
        notes.append(env._("The authorisation was not revoked: %s uses the same Xero app, and revoking would "
                           "disconnect it too.", ", ".join(siblings.company_id.mapped("name"))))
        return notes
    try:
        client_of(conn, False).revoke(refresh)
        notes.append(env._("The authorisation was revoked."))
    except XeroAuthError:
        notes.append(env._("Xero had already withdrawn the authorisation."))
    except XeroError as exc:
        raise UserError(env._("Xero could not be reached to disconnect: %s Try again.", exc.message)) from exc
    return notes
