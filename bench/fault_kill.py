"""Fault run: SIGKILL of the Odoo process at random moments of an export.

    python bench/fault_kill.py --documents 1000 --kills 200 --seed 42
    python bench/fault_kill.py --quick                      # 200 documents, 40 kills

The registry is loaded once in this (parent) process; each attempt is a
``fork()``-ed child running ``connection._xero_sync()`` — the product's run —
which the parent SIGKILLs after a seeded random delay. The emulator runs in
its own process and survives every kill. After the last kill a final child
runs to completion. Then every document is counted in Xero by number:

* lost = queued in Odoo, absent from Xero after the final run;
* duplicated = more than one Xero invoice for one Odoo document (also:
  more than one Xero contact per customer, and Odoo documents not bound to
  the Xero invoice of their number).

The delay of each kill is uniform over a window that starts at 1.25 batch
cycles of a child (the time a child takes to finish its first batch,
measured at the start of the run) and settles so that about one kill in
eight lets a batch finish: the kills fall in every phase of a batch and
spread over about one export. When the export finishes before all kills are spent, a new round
starts on a fresh copy of the database and a reset emulator, so every kill
lands during an export. For each kill the parent records what it
interrupted: rows left ``sending`` (between the commit before a request and
the commit of its answer) and requests Xero had processed whose answer Odoo
never recorded.

The emulator's minute limit is raised for this run (each fresh child has
its own governor; waiting out 60 calls/min would only make the run longer):
this run tests exactly-once delivery, the export benchmark tests the limits.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import dataset
import odoo_ops
from common import log


class Round:
    """One export of ``documents`` documents on a fresh database and emulator."""

    def __init__(self, index, template, documents, emu):
        self.index = index
        self.db = common.db_name(f"kill_{index}")
        self.documents = documents
        self.emu = emu
        common.copy_db(template, self.db)
        emu.reset()
        emu.set_limits(minute=100_000)
        with common.odoo_env(self.db) as env:
            conn = common.connect_to_emulator(env, emu)
            self.conn_id = conn.id
            self.numbers, self.customers = odoo_ops.limit_queue(env, conn, documents)
        self._close()

    @staticmethod
    def _close():
        import odoo.sql_db

        odoo.sql_db.close_all()

    def snapshot(self):
        """``(rows done, rows sending, invoices in Xero, Odoo rows sent)`` now."""
        with common.odoo_env(self.db, commit=False) as env:
            env.cr.execute("""SELECT state, count(*) FROM xero_queue WHERE connection_id = %s AND action = 'upsert'
                              GROUP BY 1""", (self.conn_id,))
            states = dict(env.cr.fetchall())
        self._close()
        in_xero = len(self.emu.state().get("Invoices", []))
        done = states.get("sent", 0) + states.get("failed", 0) + states.get("skipped", 0)
        return done, states.get("sending", 0), in_xero, states.get("sent", 0)

    def done_count(self):
        """Rows of this round with an outcome (sent, failed or skipped)."""
        with common.odoo_env(self.db, commit=False) as env:
            env.cr.execute("""SELECT count(*) FROM xero_queue WHERE connection_id = %s AND action = 'upsert'
                              AND state IN ('sent', 'failed', 'skipped')""", (self.conn_id,))
            count = env.cr.fetchone()[0]
        self._close()
        return count

    def child(self):
        """Body of a forked child: one product run, then exit without cleanup."""
        code = 0
        try:
            with common.odoo_env(self.db) as env:
                conn = env["xero.connection"].browse(self.conn_id)
                conn._xero_sync(trigger="manual")
        except BaseException:  # noqa: BLE001 - the child reports and exits, whatever happened
            traceback.print_exc()
            code = 1
        os._exit(code)

    def spawn(self):
        self._close()
        pid = os.fork()
        if pid == 0:
            self.child()
        return pid

    def finish(self, max_children=20):
        """Children without kills until nothing is due (the final resume)."""
        for _i in range(max_children):
            with common.odoo_env(self.db, commit=False) as env:
                conn = env["xero.connection"].browse(self.conn_id)
                left = odoo_ops.pending(env, conn)
                if left:
                    odoo_ops.release_backoff(env, conn)
            self._close()
            if not left:
                return
            pid = self.spawn()
            _pid, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status):
                log(f"  round {self.index}: a final child exited with {os.waitstatus_to_exitcode(status)}")

    def count(self):
        """Lost / duplicated documents and contacts of this round."""
        state = self.emu.state()
        lost, duplicated, _extra = common.count_by_number(state, self.numbers)
        by_number = {}
        for doc in state.get("Invoices", []):
            by_number.setdefault(doc.get("InvoiceNumber"), []).append(doc["InvoiceID"])
        names = {}
        for contact in state.get("Contacts", []):
            if contact.get("Name", "").startswith("Bench Customer"):
                names[contact["Name"]] = names.get(contact["Name"], 0) + 1
        with common.odoo_env(self.db, commit=False) as env:
            env.cr.execute("SELECT name, xero_id FROM account_move WHERE name = ANY(%s)", (self.numbers,))
            bound = dict(env.cr.fetchall())
            conn = env["xero.connection"].browse(self.conn_id)
            outcome = odoo_ops.outcome(env, conn, self.numbers)
        self._close()
        misbound = [n for n, xid in bound.items() if not xid or xid not in by_number.get(n, [])]
        return {"documents": len(self.numbers), "lost": len(lost), "lost_sample": lost[:10],
                "duplicated": sum(n - 1 for n in duplicated.values()),
                "duplicated_sample": dict(list(duplicated.items())[:10]),
                "contacts_duplicated": sum(n - 1 for n in names.values() if n > 1),
                "customers": self.customers, "contacts_in_xero": len(names),
                "misbound": len(misbound), "misbound_sample": misbound[:10], "odoo": outcome}

    def drop(self):
        self._close()
        common.drop_db(self.db)


def calibrate(current):
    """Seconds a child takes to finish its first batch, start-up included.

    A child runs unharmed until its first rows are done, then is stopped
    (this stop is not one of the counted kills; what it sent counts)."""
    done0 = current.done_count()
    pid = current.spawn()
    started = time.monotonic()
    while time.monotonic() - started < 300:
        time.sleep(0.05)
        if os.waitpid(pid, os.WNOHANG)[0]:
            return time.monotonic() - started
        if current.done_count() > done0:
            break
    elapsed = time.monotonic() - started
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return elapsed


def kill_loop(args, template, emu):
    """The seeded kills (see the module doc); returns ``(kills, rounds, cycles)``.

    Each kill waits a random time, uniform over a window that starts at
    1.25 batch cycles of a child (measured at the start of each round), so
    kills land in every phase of a batch — start-up, claim, build, the
    commit before the request, the request, the bookkeeping of the answer,
    its commit. The window then shrinks a little after a kill that let rows
    finish and widens a little after one that did not, which settles at
    about one kill in eight letting a batch finish: the 200 kills spread
    over about one export."""
    rnd = random.Random(args.seed)
    kills, rounds, cycles = [], [], []
    current = Round(0, template, args.documents, emu)
    cycles.append(calibrate(current))
    window = 1.25 * cycles[-1]
    while sum(1 for k in kills if k["killed"]) < args.kills:
        done, _sending, in_xero0, sent0 = current.snapshot()
        if done >= args.documents:
            current.finish()
            rounds.append(current.count())
            current.drop()
            log(f"round {current.index} complete after {len(kills)} kills; starting another")
            current = Round(current.index + 1, template, args.documents, emu)
            done, _sending, in_xero0, sent0 = current.snapshot()
        delay = rnd.uniform(0, window)
        pid = current.spawn()
        time.sleep(delay)
        finished, _status = os.waitpid(pid, os.WNOHANG)
        if not finished:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        after, sending, in_xero, sent = current.snapshot()
        # Xero created documents in this child that Odoo did not record as sent: the kill
        # fell between Xero's commit and Odoo's (the next child must replay, not resend)
        created, recorded = in_xero - in_xero0, sent - sent0
        kills.append({"round": current.index, "delay": round(delay, 3), "killed": not finished,
                      "progress": after - done, "sending_left": sending,
                      "processed_unrecorded": max(0, created - recorded)})
        window = window * 0.9 if after > done else min(window * 1.015, 4 * cycles[-1])
        killed = sum(1 for k in kills if k["killed"])
        if killed and killed % 20 == 0 and kills[-1]["killed"]:
            log(f"  {killed} kills, round {current.index}: {after}/{args.documents} done "
                f"(batch cycle {cycles[-1]:.2f} s, window {window:.2f} s)")
    current.finish()
    rounds.append(current.count())
    current.drop()
    return kills, rounds, cycles


def summarize(args, kills, rounds):
    real = [k for k in kills if k["killed"]]
    return {
        "documents_per_round": args.documents, "rounds": len(rounds), "kills": len(real),
        "children_finished_before_kill": len(kills) - len(real),
        "kills_with_rows_sending": sum(1 for k in real if k["sending_left"]),
        "kills_after_progress": sum(1 for k in real if k["progress"]),
        "kills_after_xero_processed": sum(1 for k in real if k["processed_unrecorded"]),
        "lost": sum(r["lost"] for r in rounds), "duplicated": sum(r["duplicated"] for r in rounds),
        "contacts_duplicated": sum(r["contacts_duplicated"] for r in rounds),
        "misbound": sum(r["misbound"] for r in rounds),
        "not_sent_in_odoo": sum(sum(v for k, v in r["odoo"]["states"].items() if k != "sent") for r in rounds),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--invoices", type=int, default=10_000, help="the bench template to take them from")
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.documents, args.kills, args.invoices, args.customers = 200, 40, 1000, 100
    started = time.monotonic()
    info = common.machine_info()
    template, _build = dataset.ensure_template(args.invoices, args.customers, 7)
    common.odoo_init()
    with common.EmulatorProcess(name="kill") as emu:
        kills, rounds, cycles = kill_loop(args, template, emu)
    summary = summarize(args, kills, rounds)
    summary["batch_cycle_s"] = [round(c, 2) for c in cycles]
    common.print_figures(f"SIGKILL run (seed {args.seed})", [
        ("documents x rounds", f"{args.documents} x {summary['rounds']}"),
        ("SIGKILLs during the export", f"{summary['kills']} (+{summary['children_finished_before_kill']} children "
                                       "finished before their kill)"),
        ("kills with requests in flight", f"{summary['kills_with_rows_sending']} left rows 'sending'; "
                                          f"{summary['kills_after_xero_processed']} fell after Xero had created "
                                          "documents Odoo had not recorded yet"),
        ("lost / duplicated in Xero", f"{summary['lost']} / {summary['duplicated']}"),
        ("duplicated contacts / mis-bound documents", f"{summary['contacts_duplicated']} / {summary['misbound']}"),
        ("documents not 'sent' in Odoo at the end", summary["not_sent_in_odoo"]),
    ])
    result = {"benchmark": "fault_kill", "machine": info, "args": vars(args), "summary": summary,
              "rounds": rounds, "kills": kills, "total_s": round(time.monotonic() - started, 1),
              "command": "python bench/fault_kill.py " + " ".join(argv if argv is not None else sys.argv[1:])}
    path = common.write_result("fault_kill" + ("_quick" if args.quick else ""), result)
    log(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
