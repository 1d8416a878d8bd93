"""The /_emulator admin REST API (driven with requests, as a separate process would)."""

from __future__ import annotations

import requests
from conftest import XeroClient
from xero_python.accounting import Contact, Contacts

from xero_emulator import DEMO


def admin(emu, method, path, **kw):
    resp = requests.request(method, emu.base_url + "/_emulator" + path, timeout=10, **kw)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_admin_endpoints(emu):
    assert admin(emu, "GET", "/health")["status"] == "ok"
    token = admin(emu, "POST", "/tokens", json={})
    assert token["tenant_ids"] == [DEMO.tenant_id] and token["access_token"]
    xero = XeroClient(emu, token)
    xero.accounting.create_contacts(DEMO.tenant_id, Contacts(contacts=[Contact(name="Admin Test")]))
    state = admin(emu, "GET", "/state")
    assert any(c["Name"] == "Admin Test" for c in state[DEMO.tenant_id]["Contacts"])
    assert admin(emu, "GET", "/counters")[DEMO.tenant_id]["total_calls"] == 1
    second = admin(emu, "POST", "/organisations", json={"name": "Admin Org"})["tenant_id"]
    assert second in admin(emu, "GET", "/state")
    admin(
        emu,
        "POST",
        "/apps",
        json={"client_id": "APP2", "client_secret": "x", "redirect_uris": ["http://127.0.0.1:1/cb"]},
    )
    assert admin(
        emu, "POST", "/tokens", json={"client_id": "APP2", "tenant_ids": [second], "scopes": ["accounting.settings"]}
    )["tenant_ids"] == [second]
    assert admin(emu, "POST", "/limits", json={"minute": 7})["limits"]["minute"] == 7
    faults = admin(emu, "POST", "/faults", json={"mode": "500", "count": 2, "method": "GET", "path": "Contacts"})
    assert faults["faults"][0]["count"] == 2
    assert admin(emu, "DELETE", "/faults")["faults"] == []
    before = emu.store.clock.now()
    admin(emu, "POST", "/clock", json={"advance_seconds": 100})
    assert emu.store.clock.now() - before >= 100
    hooks = admin(emu, "POST", "/webhooks", json={"url": "http://127.0.0.1:9/none", "key": "k"})
    assert hooks["webhooks"] == [{"url": "http://127.0.0.1:9/none", "key": "k"}]
    assert admin(emu, "GET", "/spec_violations") == {"violations": []}
    admin(emu, "POST", "/reset", json={"demo": True})
    assert list(admin(emu, "GET", "/state")) == [DEMO.tenant_id]
    assert admin(emu, "GET", "/limits")["limits"]["minute"] == 60
    bad = requests.post(emu.base_url + "/_emulator/faults", json={"mode": "boom"}, timeout=5)
    assert bad.status_code == 400
    assert requests.get(emu.base_url + "/_emulator/nope", timeout=5).status_code == 404


def test_intent_via_admin_without_receiver(emu):
    result = admin(emu, "POST", "/webhooks/intent", json={"url": "http://127.0.0.1:9/none", "key": "k"})
    assert result["results"][0]["ok"] is False and result["results"][0]["correct_signature_status"] == 0
