"""The README's pictures ("What you will see"), taken in headless Chromium
from a running `make run` demo (tools/screenshots.sh starts a fresh one).

Drives Chromium over its DevTools protocol (a websocket; `websocket-client`
is in Odoo's virtualenv, no other browser library is needed) as the admin
user, and does what a newcomer does: the setup wizard, the dashboard with
the demo's work waiting, the waiting queue, the suggested mappings, "Send
data now" with one document Xero refuses, the sync run that says why, the
reconciliation report. Only the staging of two things goes through
JSON-RPC: the mappings are taken off before their picture (the demo has
them accepted) and put back by "Accept all suggestions"; the refused
invoice is created (a new customer whose e-mail Xero rejects).

    python tools/screenshots.py --url http://127.0.0.1:8069 --db xero_demo --out docs/img

Stops with a message (exit 1) naming the step that did not appear.
"""

import argparse
import base64
import http.cookiejar
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta

import websocket

ROOT = "/odoo/action-account_xero."


class Odoo:
    """JSON-RPC as a logged-in user (the session the browser then uses)."""

    def __init__(self, url, db, login, password):
        self.url = url.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.post("/web/session/authenticate", {"db": db, "login": login, "password": password})
        self.session_id = next(c.value for c in self.jar if c.name == "session_id")

    def post(self, path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}).encode()
        request = urllib.request.Request(self.url + path, data=body, headers={"Content-Type": "application/json"})
        with self.opener.open(request, timeout=120) as response:
            answer = json.loads(response.read())
        if answer.get("error"):
            raise RuntimeError(f"{path}: {answer['error']['data'].get('message', answer['error'])}")
        return answer["result"]

    def call(self, model, method, *args, **kwargs):
        return self.post(f"/web/dataset/call_kw/{model}/{method}",
                         {"model": model, "method": method, "args": list(args), "kwargs": kwargs})


class Chromium:
    """Headless Chromium and one page, over the DevTools protocol."""

    def __init__(self, width, height):
        binary = shutil.which("chromium") or shutil.which("google-chrome")
        if not binary:
            sys.exit("screenshots: Chromium is missing (Debian: apt-get install chromium)")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.profile = tempfile.mkdtemp(prefix="xero-shots-")
        self.proc = subprocess.Popen([
            binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--disable-extensions", "--force-device-scale-factor=1", f"--window-size={width},{height}",
            f"--remote-debugging-port={port}", "--remote-allow-origins=*", f"--user-data-dir={self.profile}",
            "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        page = None
        for _attempt in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=2) as response:
                    page = next((t for t in json.loads(response.read()) if t["type"] == "page"), None)
                if page:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        if not page:
            self.close()
            sys.exit("screenshots: Chromium did not start")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self.ids = 0
        self.send("Page.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=False)

    def send(self, method, **params):
        self.ids += 1
        self.ws.send(json.dumps({"id": self.ids, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.ids:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def js(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if result.get("exceptionDetails"):
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def close(self):
        if getattr(self, "ws", None):
            self.ws.close()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


FIND = """(() => {
    const found = [...document.querySelectorAll(%s)].filter(e => e.offsetParent !== null
        && e.textContent.includes(%s));
    return found.length ? found[0] : null;
})()"""


class Page:
    """What a user does on the page: go, wait for, click, type, look."""

    def __init__(self, browser, url, out):
        self.browser, self.url, self.out = browser, url.rstrip("/"), out

    def go(self, path):
        self.browser.send("Page.navigate", url=self.url + path)

    def find(self, selector, text=""):
        return FIND % (json.dumps(selector), json.dumps(text))

    def wait(self, selector, text="", what=None, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.browser.js(f"!!{self.find(selector, text)}"):
                return
            time.sleep(0.25)
        self.fail(f"{what or selector + ' ' + text} did not appear within {timeout} s")

    def fail(self, message):
        """Stop, leaving the page as it was in a picture for whoever looks into it."""
        path = os.path.join(tempfile.gettempdir(), "xero-screenshots-failed.png")
        data = self.browser.send("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(data))
        sys.exit(f"screenshots: {message} (the page as it was: {path})")

    def gone(self, selector, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.browser.js(f"!!{self.find(selector)}"):
                return
            time.sleep(0.25)
        self.fail(f"{selector} is still there after {timeout} s")

    def click(self, selector, text="", what=None):
        self.wait(selector, text, what)
        self.browser.js(f"{self.find(selector, text)}.click()")

    def shot(self, name, settle=1.0):
        """Save the page as ``name``.png once the notifications and spinners are gone."""
        time.sleep(settle)
        self.gone(".o_loading_indicator, .o_blockUI")
        data = self.browser.send("Page.captureScreenshot", format="png")["data"]
        path = os.path.join(self.out, f"{name}.png")
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(data))
        print(f"screenshots: {path}")


def unmap_everything(odoo, connection_id):
    """The demo as a newcomer finds it before accepting the suggestions."""
    accounts = odoo.call("xero.account", "search", [("connection_id", "=", connection_id)])
    odoo.call("xero.account", "write", accounts, {"account_id": False, "journal_id": False})
    rates = odoo.call("xero.tax.rate", "search", [("connection_id", "=", connection_id)])
    odoo.call("xero.tax.rate", "write", rates, {"tax_ids": [(5, 0, 0)]})
    coded = odoo.call("account.account", "search", [("xero_code", "!=", False)])
    if coded:
        odoo.call("account.account", "write", coded, {"xero_code": False})


def refused_invoice(odoo):
    """A new customer whose e-mail address Xero refuses, and its posted invoice."""
    partner = odoo.call("res.partner", "create", {"name": "Bayside Surf School", "is_company": True,
                                                  "email": "office at baysidesurf"})
    product = odoo.call("product.product", "search", [("default_code", "=", "FS-CALL")], limit=1)
    move = odoo.call("account.move", "create", {
        "move_type": "out_invoice", "partner_id": partner, "invoice_date": date.today().isoformat(),
        "ref": "Emergency call-out", "invoice_line_ids": [(0, 0, {"product_id": product[0], "quantity": 1})]})
    odoo.call("account.move", "action_post", [move])


def take(args):
    odoo = Odoo(args.url, args.db, args.login, args.password)
    connection_id = odoo.call("xero.connection", "search", [], limit=1)[0]
    browser = Chromium(args.width, args.height)
    page = Page(browser, args.url, args.out)
    try:
        browser.send("Network.enable")
        browser.send("Network.setCookie", name="session_id", value=odoo.session_id, url=args.url)

        # the dashboard: the demo's work waiting
        page.go(ROOT + "action_xero_dashboard")
        page.wait(".o_kanban_record .o_xero_waiting .fs-3", what="the dashboard's waiting figure")
        page.shot("dashboard")

        # the waiting queue
        page.click(".o_kanban_record .o_xero_waiting")
        page.wait(".o_list_view .o_data_row", "FS-DEMO", what="the waiting queue")
        page.shot("waiting-queue")

        # the setup wizard, at its accounts and taxes step (after connect, import, documents)
        page.go(ROOT + "action_xero_setup_wizard")
        page.wait(".o_xero_setup_wizard .o_xero_connected", what="the setup wizard")
        page.click('.o_form_statusbar button[name="action_next"]')
        page.click('div[name="step_import"] div[name="import_choice"] input[data-value="no"]')
        page.click('.o_form_statusbar button[name="action_next"]')
        page.wait('div[name="step_documents"]', what="the documents to send step")
        page.click('.o_form_statusbar button[name="action_next"]')
        page.wait('div[name="step_mappings"] .o_xero_all_mapped', what="the accounts and taxes step")
        page.shot("setup-wizard")

        # the suggested mappings, as before they were accepted
        unmap_everything(odoo, connection_id)
        page.go(ROOT + "action_xero_dashboard")
        page.click(".o_kanban_record .o_xero_suggest_mappings", what="the dashboard's link to the mappings")
        page.wait(".modal .o_xero_mapping_lines .o_data_row", "similar name", what="the suggested mappings")
        page.shot("suggested-mappings")
        page.click(".modal button.o_xero_accept_all")
        page.gone(".modal")

        # "Send data now", one document refused, and the sync run that says why
        refused_invoice(odoo)
        page.go(ROOT + "action_xero_dashboard")
        page.click(".o_kanban_record button.o_xero_send_now", what="Send data now")
        page.wait(".o_notification", "failed", what="the notification of the send")
        page.go(ROOT + "action_xero_sync_run")
        page.click(".o_list_view .o_data_row td.o_data_cell", "Send to Xero", what="the sync history")
        page.wait(".o_form_view .o_field_widget[name=log_ids] .o_data_row", "Bayside Surf School",
                  what="the run's refused document")
        page.shot("sync-run-refused")

        # the reconciliation report over the demo's month
        report = odoo.call("xero.reconciliation", "create", {
            "connection_id": connection_id, "date_from": (date.today() - timedelta(days=31)).isoformat(),
            "date_to": date.today().isoformat()})
        page.go(ROOT + f"action_xero_reconciliation/{report}")
        page.click('.o_form_statusbar button[name="action_estimate"]', what="Check API use")
        page.click('.o_form_statusbar button[name="action_run"]', what="Run report")
        page.wait(".o_form_view .alert", "Differences found", what="the reconciliation's result")
        page.shot("reconciliation")
    finally:
        browser.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="xero_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.dirname(__file__)), "docs", "img"))
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--height", type=int, default=860)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    take(args)


if __name__ == "__main__":
    main()
