"""Run inside `odoo-bin shell` by tools/run.sh: connect the demo company to
the local Xero emulator and give it work to do (idempotent). Reads
XERO_EMULATOR_URL from the env.

The consent step of OAuth needs a person at a browser; for the demo the
emulator's admin API hands out the token an "Allow" would give, and the rest
is the product's own code path: Identity /connections through XeroClient.
A new database starts from a fresh demo organisation (the emulator's is
reset), so its invoice numbers are free in Xero. The demo's products,
customers, documents and accepted mappings come from
account_xero/demo/seed.py, the very function the demo tour tests.
"""
# ruff: noqa: F821  (env is given by odoo-bin shell)
import json
import os
import urllib.request

from odoo.addons.account_xero.demo.seed import seed_demo
from odoo.addons.account_xero.services.api import IdentityAdapter
from odoo.addons.account_xero.services.client import StaticTokens, XeroClient, XeroConfig

URL = os.environ["XERO_EMULATOR_URL"].rstrip("/")
CLIENT_ID = "ACCOUNT-XERO-DEMO"
CLIENT_SECRET = "account-xero-demo-secret"
COMPANY_NAME = "Brightline Field Services (Demo)"


def admin(path, payload):
    req = urllib.request.Request(URL + path, data=json.dumps(payload).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def connect(company, conn):
    """Connect ``company`` to the emulator's demo organisation (a fresh one for a new connection)."""
    if not conn:
        admin("/_emulator/reset", {"demo": True})
    token = admin("/_emulator/tokens", {"client_id": CLIENT_ID})
    config = XeroConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, api_url=URL, identity_url=URL,
                        login_url=URL)
    org = IdentityAdapter(XeroClient(config, StaticTokens(token["access_token"]))).connections()[0]
    values = {
        "company_id": company.id, "api_url": URL, "identity_url": URL, "login_url": URL,
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "tenant_id": org["tenantId"],
        "tenant_name": org["tenantName"], "xero_connection_id": org["id"], "state": "connected",
        "state_message": False,
    }
    conn = conn.write(values) and conn if conn else env["xero.connection"].sudo().create(values)
    conn._xero_store_token(token)
    return conn


company = env.ref("base.main_company")
company.name = COMPANY_NAME
conn = env["xero.connection"].sudo().search([("company_id", "=", company.id)])
connected = False
if conn and conn.state == "connected":
    try:
        IdentityAdapter(conn._xero_client()).connections()
        connected = True
    except Exception as exc:  # noqa: BLE001 - any failure: reconnect below
        print("XERO_DEMO: reconnecting:", exc)
if not connected:
    conn = connect(company, conn)
    env.cr.commit()
demo = seed_demo(conn)
# the first screen after login: the Xero dashboard, with the demo's work waiting
env.ref("base.user_admin").action_id = env.ref("account_xero.action_xero_dashboard").id
env.cr.commit()
accepted = f", {demo['mapped']} suggested mappings accepted" if demo["created"] else ""
print("XERO_DEMO:", "already connected:" if connected else "connected", company.name, "to", conn.tenant_name,
      f"- {conn.count_waiting} waiting to be sent{accepted}")
