"""Export benchmark: N posted invoices to the emulator under Xero's real limits.

    python bench/bench_export.py --invoices 10000          # the published run
    python bench/bench_export.py --quick                   # smoke run (1,000 invoices)

Phases (each in a fresh Odoo process on a fresh copy of the bench template,
each against its own emulator process):

1. **batch** — the product as shipped: N invoices, 60 calls/min, 5
   concurrent, 5,000/day. Invoices/min (whole run and after the first
   minute), API calls per invoice including contacts, 429s, Odoo CPU ms per
   invoice, peak memory; lost/duplicated counted in the emulator.
2. **memory-small** — the same export of ``--memory-small`` invoices
   (1,000): peak memory of N vs this, both fresh processes.
3. **baseline** — one invoice per request (what the market's connectors
   do): the same code with a batch size of 1, on a subset of ``--baseline``
   invoices chosen customer by customer so it has the full run's ratio of
   customers to invoices; measured figures and figures extrapolated to N.
4. **starter** — the batch export of N on Xero's Starter tier (1,000
   calls/day): calls used, and how many invoices fit in a Starter day. It
   runs at the same time as the baseline (both wait on the rate limit, not
   on the CPU); its CPU figures are therefore not reported.

Results: printed, and ``bench/results/export.json``. The main run's database
(``xero_bench_exported``) and emulator state (``$XERO_STATE_DIR/bench-exported.json``)
are kept for ``bench_import.py``'s reconciliation report.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import dataset
from common import log

CEILING_PER_MIN = 60 * 50
EXPORTED_DB = common.db_name("exported")
EXPORTED_STATE = common.STATE_DIR / f"bench-exported-{common.TAG}.json"


def export_phase(name, template, invoices, day_limit=5000, subset="first", batch_size=50, state_file=None,
                 profile=False, keep_db=None):
    """One export in a fresh worker; adds what the emulator holds afterwards."""
    db = keep_db or common.db_name(name)
    common.copy_db(template, db)
    if state_file and Path(state_file).exists():
        Path(state_file).unlink()
    log(f"phase {name}: {invoices} invoices, batch size {batch_size}, day limit {day_limit}")
    try:
        with common.EmulatorProcess(day_limit=day_limit, name=name, state_file=state_file) as emu:
            args = ["export", "--db", db, "--emulator", emu.base_url, "--invoices", invoices, "--subset", subset,
                    "--batch-size", batch_size, "--max-runs", 200]
            res = common.run_worker([*args, "--profile"] if profile else args)
            state = emu.state()
            if state_file:
                emu.save()
    finally:
        if not keep_db:
            common.drop_db(db)
    numbers = res.pop("numbers")
    lost, duplicated, _extra = common.count_by_number(state, numbers)
    wanted = set(numbers)
    stamps = sorted(filter(None, (common.xero_ms(doc.get("UpdatedDateUTC")) for doc in state.get("Invoices", [])
                                  if doc.get("InvoiceNumber") in wanted)))
    res.update(lost=len(lost), duplicated=sum(n - 1 for n in duplicated.values()), lost_sample=lost[:10],
               duplicated_sample=dict(list(duplicated.items())[:10]), rates=rates(stamps, res["wall_s"], res))
    log(f"phase {name}: done in {res['wall_s']:.0f} s, {res['emulator']['calls']} calls, "
        f"{res['outcome']['states']}")
    return res


def rates(stamps, wall_s, res):
    """Invoices per minute: over the whole export, and in steady state — the
    mean of the whole 60-second windows after the first minute (whose empty
    rolling window lets 60 calls go at once). Whole windows only: a shorter
    tail could hold the end of one window and the start of the next and
    show more than the limit allows. Also the last whole minute (the
    documents Xero created in the 60 seconds ending with the last one): one
    rolling window of Xero's limit, which a run too short for a whole
    window after the first minute still has."""
    sent = res["outcome"]["states"].get("sent", 0)
    out = {"overall_per_min": round(sent / wall_s * 60, 1) if wall_s else None, "steady_per_min": None}
    if len(stamps) > 1:
        counts = common.whole_minutes(stamps)
        if counts:
            out["steady_per_min"] = round(sum(counts) / len(counts), 1)
            out["steady_windows"] = counts
        out["first_to_last_s"] = round((stamps[-1] - stamps[0]) / 1000, 1)
        if stamps[-1] - stamps[0] >= 60_000:
            out["last_minute_per_min"] = sum(1 for t in stamps if t > stamps[-1] - 60_000)
    return out


def figures(main, small, baseline, starter, invoices):
    """The derived figures of the report (see the module doc)."""
    sent = main["outcome"]["states"].get("sent", 0) or 1
    calls = main["emulator"]["calls"]
    limited = sum(main["emulator"]["rate_limited"].values())
    out = {
        "invoices": invoices, "sent": main["outcome"]["states"].get("sent", 0),
        "failed": main["outcome"]["states"].get("failed", 0),
        "wall_s": main["wall_s"], "per_min_overall": main["rates"]["overall_per_min"],
        "per_min_steady": main["rates"]["steady_per_min"], "ceiling_per_min": CEILING_PER_MIN,
        "calls": calls, "calls_per_invoice": round(calls / sent, 4),
        "calls_by_route": main["emulator"]["calls_by_route"],
        "http_429": limited, "cpu_ms_per_invoice": round(main["cpu_s"] * 1000 / sent, 2),
        "bytes_received": main.get("bytes_received"),
        "bytes_per_invoice": round(main.get("bytes_received", 0) / sent, 1),
        "governor_wait_s": main["governor_wait_s"], "peak_rss_mb": round(main["peak_rss_kb"] / 1024, 1),
        "growth_mb": round((main["growth_kb"] or 0) / 1024, 1), "lost": main["lost"],
        "duplicated": main["duplicated"],
    }
    sustained = out["per_min_steady"] or out["per_min_overall"]
    out["sustained_per_min"] = sustained
    out["ceiling_share"] = round(sustained / CEILING_PER_MIN, 3) if sustained else None
    if small:
        out["memory"] = {
            "small_invoices": small["invoices"], "small_peak_rss_mb": round(small["peak_rss_kb"] / 1024, 1),
            "small_growth_mb": round((small["growth_kb"] or 0) / 1024, 1),
            "peak_ratio": round(main["peak_rss_kb"] / small["peak_rss_kb"], 3),
            "growth_ratio": round(main["growth_kb"] / small["growth_kb"], 2) if small["growth_kb"] else None,
        }
    if baseline:
        b_sent = baseline["outcome"]["states"].get("sent", 0) or 1
        b_calls = baseline["emulator"]["calls"]
        per_inv = b_calls / b_sent
        calls_n = per_inv * invoices
        minutes_n = calls_n / 60  # 60 calls per minute, the limit both runs share
        out["baseline"] = {
            "invoices": baseline["invoices"], "customers": baseline["customers"], "sent": b_sent,
            "calls": b_calls, "calls_per_invoice": round(per_inv, 3), "wall_s": baseline["wall_s"],
            "per_min": baseline["rates"]["overall_per_min"],
            "http_429": sum(baseline["emulator"]["rate_limited"].values()),
            "extrapolated_calls": round(calls_n), "extrapolated_minutes_rate_bound": round(minutes_n, 1),
            "extrapolated_days_at_5000": round(calls_n / 5000, 2),
            "calls_ratio": round(calls_n / calls, 1) if calls else None,
            "time_ratio_rate_bound": round(minutes_n * 60 / main["wall_s"], 1),
        }
    if starter:
        s_sent = starter["outcome"]["states"].get("sent", 0) or 1
        s_calls = starter["emulator"]["calls"]
        out["starter"] = {
            "invoices": starter["invoices"], "sent": starter["outcome"]["states"].get("sent", 0), "calls": s_calls,
            "day_remaining_after": 1000 - s_calls, "daily_429": starter["emulator"]["rate_limited"].get("day", 0),
            "invoices_per_day": int(s_sent * 1000 / s_calls) if s_calls else None,
            "baseline_invoices_per_day": int(1000 / out["baseline"]["calls_per_invoice"]) if baseline else None,
            "lost": starter["lost"], "duplicated": starter["duplicated"],
        }
    return out


def report(fig):
    rows = [
        ("invoices sent / queued", f"{fig['sent']} / {fig['invoices']} ({fig['failed']} failed)"),
        ("wall time", f"{fig['wall_s']:.1f} s"),
        ("invoices per minute (whole run)", f"{fig['per_min_overall']}"),
        ("invoices per minute (whole minutes after the 1st)", f"{fig['per_min_steady']}  (ceiling {CEILING_PER_MIN})"),
        ("API calls (incl. contacts)",
         f"{fig['calls']} = {fig['calls_per_invoice']} per invoice  {fig['calls_by_route']}"),
        ("429 received", fig["http_429"]),
        ("Odoo CPU per invoice", f"{fig['cpu_ms_per_invoice']} ms (governor slept {fig['governor_wait_s']} s)"),
        ("peak RSS of the export process", f"{fig['peak_rss_mb']} MB (export added {fig['growth_mb']} MB)"),
        ("lost / duplicated in Xero", f"{fig['lost']} / {fig['duplicated']}"),
    ]
    if "memory" in fig:
        m = fig["memory"]
        rows.append((f"memory {fig['invoices']} vs {m['small_invoices']}",
                     f"peak {fig['peak_rss_mb']} / {m['small_peak_rss_mb']} MB = {m['peak_ratio']}x; "
                     f"growth {fig['growth_mb']} / {m['small_growth_mb']} MB = {m['growth_ratio']}x"))
    if "baseline" in fig:
        b = fig["baseline"]
        rows += [
            ("baseline (1 per request) measured",
             f"{b['sent']} invoices ({b['customers']} customers): {b['calls']} calls "
             f"({b['calls_per_invoice']}/invoice), {b['wall_s']:.0f} s, {b['per_min']}/min, {b['http_429']} x 429"),
            (f"baseline extrapolated to {fig['invoices']}", f"{b['extrapolated_calls']} calls, "
             f"{b['extrapolated_minutes_rate_bound']} min at 60 calls/min, {b['extrapolated_days_at_5000']} days "
             f"of 5,000 calls"),
            ("ratio baseline / account_xero", f"calls {b['calls_ratio']}x, time {b['time_ratio_rate_bound']}x"),
        ]
    if "starter" in fig:
        s = fig["starter"]
        rows.append(("Starter tier (1,000 calls/day)",
                     f"{s['sent']} invoices in {s['calls']} calls ({s['daily_429']} daily 429): "
                     f"{s['invoices_per_day']} invoices/day (baseline: {s['baseline_invoices_per_day']})"))
    common.print_figures("Export benchmark", rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--baseline", type=int, default=150, help="invoices of the one-per-request baseline")
    parser.add_argument("--memory-small", type=int, default=1_000, help="the small size of the memory check")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-starter", action="store_true")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile the main run (slower: figures not valid)")
    parser.add_argument("--quick", action="store_true", help="smoke sizes: 1,000 invoices, 100 customers")
    args = parser.parse_args(argv)
    if args.quick:
        args.invoices, args.customers, args.baseline, args.memory_small = 1000, 100, 40, 200
    started = time.monotonic()
    info = common.machine_info()
    template, build = dataset.ensure_template(args.invoices, args.customers, args.seed)
    main_run = export_phase("batch", template, args.invoices, state_file=EXPORTED_STATE, profile=args.profile,
                            keep_db=EXPORTED_DB)
    small = None if args.no_memory else export_phase("memory_small", template, args.memory_small)
    jobs = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        if not args.no_baseline:
            jobs["baseline"] = pool.submit(export_phase, "baseline", template, args.baseline, subset="customers",
                                           batch_size=1)
        if not args.no_starter:
            jobs["starter"] = pool.submit(export_phase, "starter", template, args.invoices, day_limit=1000)
        done = {name: job.result() for name, job in jobs.items()}
    fig = figures(main_run, small, done.get("baseline"), done.get("starter"), args.invoices)
    report(fig)
    if args.profile:
        print(main_run.get("profile", ""))
    result = {"benchmark": "export", "machine": info, "template": build, "args": vars(args), "figures": fig,
              "phases": {"batch": main_run, "memory_small": small, **done},
              "total_s": round(time.monotonic() - started, 1),
              "command": "python bench/bench_export.py " + " ".join(argv if argv is not None else sys.argv[1:])}
    path = common.write_result("export" + ("_quick" if args.quick else ""), result)
    log(f"results: {path}")
    print(json.dumps({"figures": fig}, default=str)[:200] + " ...")
    return 0


if __name__ == "__main__":
    sys.exit(main())
