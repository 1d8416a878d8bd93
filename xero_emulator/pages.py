"""HTML pages of the emulated login.xero.com: the consent form and the error page."""

from __future__ import annotations

import html

from .state import Store
from .wire import Response, html_response


def error_page(error: str, description: str) -> Response:
    """The HTML error page of login.xero.com (never a redirect)."""
    body = (
        f"<!doctype html><html><head><title>Error - Xero</title></head><body>"
        f'<h1>Sorry, something went wrong</h1><p id="error">Error: {html.escape(error)}</p>'
        f'<p id="error_description">{html.escape(description)}</p></body></html>'
    )
    return html_response(400, body)


def consent_page(store: Store, app: dict, p: dict) -> str:
    """The 'Allow access' page: a form posting back to the same path."""
    esc = html.escape
    hidden = "".join(f'<input type="hidden" name="{k}" value="{esc(v)}">' for k, v in p.items())
    options = "".join(
        f'<option value="{esc(tid)}"{" selected" if i == 0 else ""}>{esc(org.name)}</option>'
        for i, (tid, org) in enumerate(store.orgs.items())
    )
    scopes = "".join(f"<li>{esc(s)}</li>" for s in p["scope"].split())
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>Xero | Authorise</title></head><body>'
        f"<h1>{esc(app['name'])} wants access to your Xero organisation</h1>"
        f"<p>Requested permissions:</p><ul>{scopes}</ul>"
        '<form method="post" action="/identity/connect/authorize">'
        f"{hidden}"
        '<label for="tenant_id">Organisation(s) to connect</label><br>'
        f'<select name="tenant_id" id="tenant_id" multiple size="{max(2, len(store.orgs))}">{options}</select>'
        " <small>(Ctrl/Cmd-click to choose several)</small><br>"
        '<button type="submit" name="action" value="allow">Allow access</button> '
        '<button type="submit" name="action" value="cancel">Cancel</button>'
        "</form></body></html>"
    )
