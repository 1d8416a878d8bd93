"""State file: saved on stop and SIGTERM, loaded at start; the command-line entry point."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from conftest import XeroClient
from helpers import create_po
from xero_python.accounting import Contact, Contacts

from xero_emulator import DEMO, Emulator

REPO = Path(__file__).resolve().parents[2]


def test_state_survives_restart(tmp_path):
    path = tmp_path / "state.json"
    first = Emulator(state_file=path).start()
    try:
        token = first.issue_token()
        XeroClient(first, token).accounting.create_contacts(
            DEMO.tenant_id, Contacts(contacts=[Contact(name="Persistent Ltd")])
        )
        first.add_organisation("Saved Org")
    finally:
        first.stop()
    saved = json.loads(path.read_text())
    assert saved["version"] == 1 and len(saved["orgs"]) == 2
    second = Emulator(state_file=path).start()
    try:
        xero = XeroClient(second, token)  # tokens survive too
        names = [c.name for c in xero.accounting.get_contacts(DEMO.tenant_id).contacts]
        assert "Persistent Ltd" in names
        with_dup = xero.accounting.create_contacts(
            DEMO.tenant_id, Contacts(contacts=[Contact(name="Persistent Ltd")]), summarize_errors=False
        )
        assert with_dup.contacts[0].has_validation_errors  # indexes rebuilt on load
    finally:
        second.stop()


def test_purchase_orders_dumped_saved_loaded_and_reset(tmp_path):
    path = tmp_path / "po-state.json"
    first = Emulator(state_file=path, validate=False).start()
    try:
        xero = XeroClient(first, first.issue_token())
        supplier = xero.accounting.get_contacts(DEMO.tenant_id, where='Name=="ABC Furniture"').contacts[0].contact_id
        made = create_po(xero, supplier, status="AUTHORISED")
        xero.accounting.create_purchase_order_attachment_by_file_name(
            DEMO.tenant_id, made.purchase_order_id, "a.pdf", b"%PDF-1.4"
        )
        assert [p["Status"] for p in first.dump()[DEMO.tenant_id]["PurchaseOrders"]] == ["AUTHORISED"]
    finally:
        first.stop()
    saved = next(o for o in json.loads(path.read_text())["orgs"] if o["tenant_id"] == DEMO.tenant_id)
    assert saved["seq"]["PO"] == 1 and saved["data"]["PurchaseOrders"][0]["PurchaseOrderNumber"] == "PO-0001"
    second = Emulator(state_file=path, validate=False).start()
    try:
        xero = XeroClient(second, second.issue_token())
        got = xero.accounting.get_purchase_order_by_number(DEMO.tenant_id, "PO-0001").purchase_orders[0]
        assert got.purchase_order_id == made.purchase_order_id and got.has_attachments is True
        assert create_po(xero, supplier).purchase_order_number == "PO-0002"  # numbering continues
        second.reset()
        assert second.dump()[DEMO.tenant_id]["PurchaseOrders"] == []
    finally:
        second.stop()


def test_command_line_saves_on_sigterm(tmp_path):
    path = tmp_path / "cli-state.json"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(  # noqa: S603 - fixed argv: this interpreter and our own module
        [sys.executable, "-m", "xero_emulator", "--port", "0", "--state-file", str(path), "--day-limit", "1000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert "listening on" in line, line + proc.stderr.read()
        base = line.strip().rsplit(" ", 1)[-1]
        assert requests.get(base + "/_emulator/health", timeout=5).json()["status"] == "ok"
        assert requests.get(base + "/_emulator/limits", timeout=5).json()["limits"]["day"] == 1000
        requests.post(base + "/_emulator/organisations", json={"name": "From CLI"}, timeout=5)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert proc.returncode == 0
    deadline = time.time() + 5
    while not path.exists() and time.time() < deadline:
        time.sleep(0.05)
    names = [o["name"] for o in json.loads(path.read_text())["orgs"]]
    assert "From CLI" in names
