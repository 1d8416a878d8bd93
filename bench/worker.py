"""One measured phase in a fresh Odoo process; prints one JSON line.

A fresh process per phase gives each measurement its own governor (no calls
remembered from another phase), its own peak RSS and its own CPU clock.

    python bench/worker.py build  --db D --invoices N --customers C --seed S
    python bench/worker.py export --db D --emulator URL --invoices N [--subset first|customers]
                                  [--batch-size 50] [--fault-schedule FILE] [--day-budget N] [--profile]
                                  (--invoices 0: every document still queued, no subset)
    python bench/worker.py build_po --db D --invoices N --customers V --seed S   (N orders for V vendors)
    python bench/worker.py export_po --db D --emulator URL
    python bench/worker.py import_contacts --db D --emulator URL
    python bench/worker.py reconcile --db D --emulator URL

CPU is ``time.process_time()`` of this process around the measured code:
CPU only, so the time the governor sleeps and the time spent waiting for
HTTP answers are excluded (PostgreSQL's and the emulator's CPU are other
processes and not counted either). Memory: the peak RSS (VmHWM) is reset
right before the measured code (``/proc/self/clear_refs``), so
``peak_rss_kb`` is the peak *during* the phase and ``growth_kb`` what the
phase added to the process as it was after loading Odoo and connecting.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import odoo_ops
from common import log


def measure(fn):
    """Run ``fn()``; return ``(result, figures)`` with wall, CPU and memory."""
    reset = common.reset_peak_rss()
    rss0 = common.rss_kb("VmRSS")
    w0, c0 = time.monotonic(), time.process_time()
    result = fn()
    wall, cpu = time.monotonic() - w0, time.process_time() - c0
    peak = common.rss_kb("VmHWM")
    return result, {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "rss_before_kb": rss0,
                    "peak_rss_kb": peak, "growth_kb": (peak - rss0) if reset else None,
                    "peak_reset": reset, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def phase_build(args):
    import dataset

    with common.odoo_env(args.db) as env:
        return dataset.build(env, args.invoices, args.customers, args.seed)


def phase_export(args):
    emulator = common.EmulatorProcess.attach(args.emulator)
    with common.odoo_env(args.db) as env:
        conn = common.connect_to_emulator(env, emulator)
        if args.invoices:
            names, customers = odoo_ops.limit_queue(env, conn, args.invoices, args.subset)
        else:
            names, customers = odoo_ops.queued_documents(env, conn)
        if args.day_budget:
            used = emulator.counters()["total_calls"]
            emulator.set_limits(day=used + args.day_budget)
            log(f"  day limit set to {used} + {args.day_budget} calls")
        if args.batch_size != 50:
            how = odoo_ops.use_batch_size(env, args.batch_size)
            log(f"  batch size {args.batch_size} ({how})")
        if args.fault_schedule:
            rules = json.loads(Path(args.fault_schedule).read_text())
            emulator.clear_faults()
            for rule in rules:
                emulator.fault(**rule)
            log(f"  {len(rules)} fault rules loaded (seeded schedule)")
        result = {"phase": "export", "batch_size": args.batch_size, "invoices": len(names), "customers": customers,
                  "numbers": names, **measured_sync(env, conn, emulator, args),
                  "outcome": odoo_ops.outcome(env, conn, names), "queue": odoo_ops.queue_stats(env, conn)}
        if args.fault_schedule:
            result["faults_left"] = len(emulator.pending_faults())
            emulator.clear_faults()
        return result


def measured_sync(env, conn, emulator, args):
    """The product's sync until nothing is due, measured: the runs, the
    calls the emulator saw and the bytes it answered, the governor's waits,
    wall/CPU/memory, and the profile (of this process's CPU) with ``--profile``."""
    from odoo.addons.account_xero.sync.rate import governor_of

    before = emulator.counters()
    seq0 = emulator.last_seq()
    governor = governor_of(env)
    waited0 = governor.waited
    # the CPU clock: what the profile shows is this process's CPU, not its waits
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    if profiler:
        profiler.enable()
    runs, figures = measure(lambda: odoo_ops.sync_until_done(env, conn, max_runs=args.max_runs))
    if profiler:
        profiler.disable()
    answers, received = emulator.bytes_since(seq0)
    result = {"runs": runs, "governor_wait_s": round(governor.waited - waited0, 2), "bytes_received": received,
              "answers": answers, "emulator": common.counters_delta(emulator.counters(), before), **figures}
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(40)
        result["profile"] = out.getvalue()[-40000:]
    return result


def phase_build_po(args):
    import dataset_po

    with common.odoo_env(args.db) as env:
        return dataset_po.build(env, args.invoices, args.customers, args.seed)


def phase_export_po(args):
    """The purchase order export: every order queued, until nothing is due."""
    import dataset_po

    emulator = common.EmulatorProcess.attach(args.emulator)
    with common.odoo_env(args.db) as env:
        conn = common.connect_to_emulator(env, emulator)
        dataset_po.map_master_data(env, conn)
        env.cr.commit()
        names, vendors = odoo_ops.queued_orders(env, conn)
        return {"phase": "export_po", "orders": len(names), "vendors": vendors, "numbers": names,
                **measured_sync(env, conn, emulator, args),
                "outcome": odoo_ops.outcome(env, conn, names, "purchase.order"),
                "queue": odoo_ops.queue_stats(env, conn)}


def phase_import_contacts(args):
    """The product's contact import (issue 5) from the emulator's contacts."""
    emulator = common.EmulatorProcess.attach(args.emulator)
    with common.odoo_env(args.db) as env:
        conn = common.connect_to_emulator(env, emulator)
        partners0 = env["res.partner"].search_count([])
        before = emulator.counters()
        import bench_import

        details, figures = measure(lambda: bench_import.run_contact_import(env, conn))
        after = emulator.counters()
        env.invalidate_all()
        return {"phase": "import_contacts", "partners_before": partners0,
                "partners_after": env["res.partner"].search_count([]), "details": details,
                "emulator": common.counters_delta(after, before), **figures}


def phase_reconcile(args):
    """The product's reconciliation report (issue 7) over what was exported."""
    emulator = common.EmulatorProcess.attach(args.emulator)
    with common.odoo_env(args.db) as env:
        conn = odoo_ops.connection(env)
        token = emulator.token()
        conn.write({"api_url": emulator.base_url, "identity_url": emulator.base_url,
                    "login_url": emulator.base_url, "state": "connected"})
        conn._xero_store_token(token)
        env.cr.commit()
        before = emulator.counters()
        seq0 = emulator.last_seq()
        import bench_import

        details, figures = measure(lambda: bench_import.run_reconciliation(env, conn))
        after = emulator.counters()
        _answers, received = emulator.bytes_since(seq0)
        return {"phase": "reconcile", "details": details, "emulator": common.counters_delta(after, before),
                "bytes_received": received, **figures}


def phase_par_build(args):
    import parallel_ops

    with common.odoo_env(args.db) as env:
        return parallel_ops.build(env, args.emulator, args.orgs, args.invoices)


def phase_par_prepare(args):
    import parallel_ops

    with common.odoo_env(args.db) as env:
        return {"tenants": parallel_ops.prepare(env, args.emulator, args.app_limit)}


def phase_par_cron(args):
    import parallel_ops

    with common.odoo_env(args.db) as env:
        result, figures = measure(lambda: parallel_ops.cron(env, args.seconds))
        return {**result, **figures}


def phase_par_dispatch(args):
    import parallel_ops

    with common.odoo_env(args.db) as env:
        return parallel_ops.dispatch(env)


PHASES = {"build": phase_build, "export": phase_export, "import_contacts": phase_import_contacts,
          "reconcile": phase_reconcile, "build_po": phase_build_po, "export_po": phase_export_po,
          "par_build": phase_par_build, "par_prepare": phase_par_prepare, "par_cron": phase_par_cron,
          "par_dispatch": phase_par_dispatch}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("phase", choices=sorted(PHASES))
    parser.add_argument("--db", required=True)
    parser.add_argument("--emulator")
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--subset", choices=("first", "customers"), default="first")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--max-runs", type=int, default=60)
    parser.add_argument("--fault-schedule")
    parser.add_argument("--day-budget", type=int, default=0, help="calls left in Xero's day after the set-up")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--orgs", type=int, default=20)
    parser.add_argument("--app-limit", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=600)
    args = parser.parse_args(argv)
    common.odoo_init()
    result = PHASES[args.phase](args)
    print(json.dumps(result, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
