"""Run inside `odoo-bin shell` by tools/run.sh: connect the demo company to
the local Xero emulator (idempotent). Reads XERO_EMULATOR_URL from the env.

The consent step of OAuth needs a person at a browser; for the demo the
emulator's admin API hands out the token an "Allow" would give, and the rest
is the product's own code path: Identity /connections through XeroClient.
"""
# ruff: noqa: F821  (env is given by odoo-bin shell)
import json
import os
import urllib.request

from odoo.addons.account_xero.services.api import IdentityAdapter
from odoo.addons.account_xero.services.client import StaticTokens, XeroClient, XeroConfig

URL = os.environ["XERO_EMULATOR_URL"].rstrip("/")
CLIENT_ID = "ACCOUNT-XERO-DEMO"
CLIENT_SECRET = "account-xero-demo-secret"


def admin(path, payload):
    req = urllib.request.Request(URL + path, data=json.dumps(payload).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


company = env.ref("base.main_company")
company.name = "My Company (Demo)"
Conn = env["xero.connection"].sudo()
conn = Conn.search([("company_id", "=", company.id)])
if conn and conn.state == "connected":
    try:
        IdentityAdapter(conn._xero_client()).connections()
        if not env["xero.account"].search_count([("connection_id", "=", conn.id)]):
            conn.action_xero_import_master_data()
            env.cr.commit()
        print("XERO_DEMO: already connected to", conn.tenant_name)
        raise SystemExit(0)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure: reconnect below
        print("XERO_DEMO: reconnecting:", exc)

token = admin("/_emulator/tokens", {"client_id": CLIENT_ID})
config = XeroConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, api_url=URL, identity_url=URL, login_url=URL)
connections = IdentityAdapter(XeroClient(config, StaticTokens(token["access_token"]))).connections()
org = connections[0]
values = {
    "company_id": company.id, "api_url": URL, "identity_url": URL, "login_url": URL,
    "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "tenant_id": org["tenantId"],
    "tenant_name": org["tenantName"], "xero_connection_id": org["id"], "state": "connected",
    "state_message": False,
}
conn = conn.write(values) and conn if conn else Conn.create(values)
conn._xero_store_token(token)
conn.action_xero_import_master_data()
env.cr.commit()
print("XERO_DEMO: connected", company.name, "to", conn.tenant_name)
