"""Exactly once, whatever goes wrong: lost answers, a process stopped between
"sending" and "bound", expired idempotency keys, 429/5xx storms. Every check
counts what the emulator holds and what its own counters saw."""

import random
import threading
from collections import Counter
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.account_xero.services.client import StaticTokens, XeroClient
from odoo.addons.account_xero.services.governor import RateGovernor
from odoo.addons.account_xero.sync.tokens import ConnectionTokens

from .common_export import DEMO, XeroExportCase
from .faults import CrashAfterCall, CrashBeforeCall, FaultsMixin


@tagged("post_install", "-at_install")
class TestExportFaults(FaultsMixin, XeroExportCase):

    def crash_twice(self, moves):
        """Stop the process right after Xero committed the invoices, then in
        the next run right after it committed the credit notes (the invoices
        being replayed and bound first)."""
        invoices = moves.filtered(lambda m: m.move_type in ("out_invoice", "in_invoice"))
        self.crash(self.client(CrashAfterCall, crash_on="create_invoices"))
        self.assertEqual(set(invoices.mapped("xero_state")), {"sending"})
        self.assertEqual(set((moves - invoices).mapped("xero_state")), {"waiting"})
        self.assertFalse(any(moves.mapped("xero_id")))
        self.assertEqual(len(self.xero_tenant()["Invoices"]), 3)
        self.crash(self.client(CrashAfterCall, crash_on="create_credit_notes"))
        self.assertEqual(set(invoices.mapped("xero_state")), {"sent"})
        self.assertEqual(set((moves - invoices).mapped("xero_state")), {"sending"})
        self.assertEqual(len(self.xero_tenant()["CreditNotes"]), 2)
        rows = moves.xero_queue_ids.filtered(lambda r: r.state == "sending")
        self.assertTrue(all(rows.mapped("idempotency_key")) and all(rows.mapped("payload")))

    def documents(self):
        return (self.xero_move("out_invoice", lines=[{"price": 100.0}])
                | self.xero_move("out_invoice", lines=[{"price": 250.0, "quantity": 2}])
                | self.xero_move("in_invoice", partner=self.partner_b, ref="SUP-1")
                | self.xero_move("out_refund")
                | self.xero_move("in_refund", partner=self.partner_b, ref="SUP-CN-1"))

    def assertExactlyOnce(self, moves):
        """Every document in Xero once, bound, and nothing else there."""
        tenant = self.xero_tenant()
        invoices = tenant["Invoices"]
        credits = tenant["CreditNotes"]
        for move in moves:
            self.assertEqual(move.xero_state, "sent", f"{move.name}: {move.xero_message}")
            self.xero_doc(move)  # exactly one, with the bound id
        expected_invoices = len(moves.filtered(lambda m: m.move_type in ("out_invoice", "in_invoice")))
        self.assertEqual(len(invoices), expected_invoices)
        self.assertEqual(len(credits), len(moves) - expected_invoices)
        self.assertEqual(len([c for c in tenant["Contacts"] if c["Name"] in ("partner_a", "partner_b")]), 2)

    def routes(self):
        return self.emulator.counters()[DEMO.tenant_id]["calls_by_route"]

    # ------------------------------------------------------------ acceptance 2
    def test_answer_dropped_after_commit_is_retried_with_the_same_key(self):
        moves = self.documents()
        self.emulator.inject_fault("drop_after_commit", count=1, method="PUT", path=r"/Invoices$")
        self.emulator.inject_fault("drop_after_commit", count=1, method="PUT", path=r"/CreditNotes$")
        run = self.xero_sync(client=self.client())
        self.assertEqual(run.state, "done", run.message)
        self.assertExactlyOnce(moves)
        self.assertEqual((self.routes()["PUT /Invoices"], self.routes()["PUT /CreditNotes"]), (2, 2))

    def test_answer_lost_for_the_whole_run_is_replayed_by_the_next(self):
        moves = self.documents()
        self.emulator.inject_fault("drop_after_commit", count=6, method="PUT", path=r"/Invoices$")
        run = self.xero_sync(client=self.client())
        self.assertEqual(run.state, "partial")
        self.assertIn("retried automatically", run.message)
        invoices = moves.filtered(lambda m: m.move_type in ("out_invoice", "in_invoice"))
        self.assertEqual(set(invoices.mapped("xero_state")), {"sending"})
        self.assertEqual(len(self.xero_tenant()["Invoices"]), 3, "Xero committed them once")
        self.xero_sync(client=self.client())
        self.assertExactlyOnce(moves)

    def test_process_stopped_between_sending_and_bound(self):
        moves = self.documents()
        self.crash_twice(moves)
        run = self.xero_sync()
        self.assertEqual(run.state, "done", run.message)
        self.assertExactlyOnce(moves)
        routes = self.routes()
        self.assertEqual((routes["PUT /Invoices"], routes["PUT /CreditNotes"]), (2, 2),
                         "each replay got Xero's stored answer")

    def test_key_expired_documents_are_found_not_recreated(self):
        """After 24 hours Xero forgets the key: documents are looked up (by
        number, matched on their link to Odoo) and bound without a new PUT."""
        moves = self.documents()
        invoices = moves.filtered(lambda m: m.move_type in ("out_invoice", "in_invoice"))
        self.crash(self.client(CrashAfterCall, crash_on="create_invoices"))
        self.assertEqual(set(invoices.mapped("xero_state")), {"sending"})
        invoices.xero_queue_ids.sudo().write({"sending_since": fields.Datetime.now() - timedelta(days=2)})
        self.a_day_later()
        # invoices: looked up and bound; credit notes: sent, then the process stops
        self.crash(self.client(CrashAfterCall, crash_on="create_credit_notes"))
        self.assertEqual(set(invoices.mapped("xero_state")), {"sent"})
        self.assertEqual(set((moves - invoices).mapped("xero_state")), {"sending"})
        (moves - invoices).xero_queue_ids.sudo().write({"sending_since": fields.Datetime.now() - timedelta(days=2)})
        self.a_day_later()
        run = self.xero_sync()
        self.assertEqual(run.state, "done", run.message)
        self.assertExactlyOnce(moves)
        routes = self.routes()
        self.assertEqual((routes["PUT /Invoices"], routes["PUT /CreditNotes"]), (1, 1), "nothing created twice")
        self.assertEqual((routes["GET /Invoices"], routes["GET /CreditNotes"]), (1, 1), "one look-up each")

    def test_key_expired_and_never_arrived_is_sent_again(self):
        moves = self.documents()
        invoices = moves.filtered(lambda m: m.move_type in ("out_invoice", "in_invoice"))
        self.crash(self.client(CrashBeforeCall, crash_on="create_invoices"))
        self.assertEqual(set(invoices.mapped("xero_state")), {"sending"})
        self.assertFalse(self.xero_tenant()["Invoices"])
        moves.xero_queue_ids.sudo().write({"sending_since": fields.Datetime.now() - timedelta(days=2)})
        self.a_day_later()
        run = self.xero_sync()
        self.assertEqual(run.state, "done", run.message)
        self.assertExactlyOnce(moves)

    # ------------------------------------------------------------ acceptance 3
    def test_random_429_and_5xx_everything_sent_once_within_limits(self):
        rng = random.Random(20260606)  # noqa: S311 (a reproducible storm, not a secret)
        partners = [self.partner_a, self.partner_b,
                    self.env["res.partner"].create({"name": "Storm Customer", "is_company": True})]
        specs = [("out_invoice", 12), ("in_invoice", 8), ("out_refund", 6), ("in_refund", 4)]
        moves = self.env["account.move"]
        for move_type, count in specs:
            for i in range(count):
                ref = f"{move_type}-{i}" if move_type.startswith("in_") else False
                moves |= self.xero_move(move_type, partner=rng.choice(partners), ref=ref,
                                        lines=[{"price": rng.randint(100, 99999) / 100, "quantity": rng.randint(1, 5)}])
        self.assertEqual(len(moves), 30)
        self.env["ir.config_parameter"].sudo().set_param("account_xero.batch_size", 4)
        minute_limit = 12
        self.emulator.set_limits(minute=minute_limit)
        injected = Counter()
        for _i in range(30):
            mode = rng.choice(["429", "500", "503"])
            count = rng.randint(1, 3)
            self.emulator.inject_fault(mode, count=count, path=rng.choice([r"/Invoices$", r"/CreditNotes$",
                                                                           r"/Contacts$", None]))
            injected[mode] += count
        # the governor reads the emulator's clock and "sleeps" by moving it: minutes pass in no time
        clock = self.emulator.store.clock
        governor = RateGovernor(clock=clock.now, sleep=self.emulator.advance_clock)
        client = self.client(governor=governor)
        runs = 0
        while moves.filtered(lambda m: m.xero_state != "sent") and runs < 15:
            moves.xero_queue_ids.filtered(lambda r: r.state in ("waiting", "sending")).sudo().write(
                {"next_attempt": False})  # the backoff has passed
            self.xero_sync(client=client)
            runs += 1
        self.assertExactlyOnce(moves)
        counters = self.emulator.counters()[DEMO.tenant_id]
        pending_429 = sum(f["count"] for f in self.emulator.faults.pending() if f["mode"] == "429")
        self.assertEqual(counters["rate_limited"].get("minute", 0), injected["429"] - pending_429,
                         "the only 429s are the injected ones")
        self.assertNotIn("concurrent", counters["rate_limited"])
        self.assertLessEqual(counters["max_calls_per_minute"], minute_limit)
        self.assertLessEqual(counters["max_concurrent"], 5)
        self.assertGreater(governor.waited, 0, "the minute limit did bite")
        self.assertGreater(runs, 1, "some runs ended on a storm and the next one resumed")

    # ------------------------------------------------------------ more faults
    def test_expired_token_is_refreshed_once(self):
        move = self.xero_move("out_invoice")
        old_token = self.connection.sudo().access_token
        self.emulator.advance_clock(1900)  # Xero says the token expired; Odoo thought it valid
        run = self.xero_sync(client=self.client())
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual(move.xero_state, "sent")
        self.assertNotEqual(self.connection.sudo().access_token, old_token)

    def test_retry_after_a_refusal_is_a_new_request(self):
        """Xero stores its answer under the key: a user's retry must not get the old refusal back."""
        chf = self.setup_other_currency("CHF", rates=[("2019-01-01", 0.9)])
        move = self.xero_move("out_invoice", currency_id=chf.id)
        self.xero_sync()
        self.assertEqual(move.xero_state, "failed")
        self.assertIn("currency CHF is not enabled in your Xero organisation", move.xero_message)
        self.connection._xero_client().accounting("create_currency", {"Code": "CHF"})
        self.xero_sync()
        self.assertEqual(move.xero_state, "failed", "unchanged: it waits for a change or a retry")
        move.xero_queue_ids.action_retry()
        self.xero_sync()
        self.assertEqual(move.xero_state, "sent", move.xero_message)
        self.assertEqual(self.xero_doc(move)["CurrencyCode"], "CHF")

    def test_timeout_is_retried_with_the_same_key(self):
        moves = self.documents()
        self.emulator.inject_fault("timeout", count=1, method="PUT", path=r"/CreditNotes$", timeout_seconds=2)
        config = self.connection._xero_config()
        config.timeout = 1
        client = XeroClient(config, ConnectionTokens(self.connection), sleep=lambda seconds: None)
        run = self.xero_sync(client=client)
        self.assertEqual(run.state, "done", run.message)
        self.assertExactlyOnce(moves)

    def test_governor_keeps_five_calls_in_flight(self):
        """Eight threads of one process call one organisation at once: the
        governor lets five in, Xero never says "concurrent"."""
        token = self.emulator.issue_token(client_id=DEMO.client_id, tenant_ids=[DEMO.tenant_id])["access_token"]
        governor = RateGovernor()
        self.emulator.inject_fault("delay", count=16, delay_seconds=0.3)
        errors = []

        def call():
            client = XeroClient(self.connection._xero_config(), StaticTokens(token), governor=governor)
            try:
                for _i in range(2):
                    client.accounting("get_organisations")
            except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
                errors.append(exc)

        threads = [threading.Thread(target=call) for _i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [], "all 16 calls answered")
        counters = self.emulator.counters()[DEMO.tenant_id]
        self.assertLessEqual(counters["max_concurrent"], 5, counters)
        self.assertGreater(counters["max_concurrent"], 1, "the calls did run in parallel")
        self.assertEqual(counters["rate_limited"], {}, counters)
