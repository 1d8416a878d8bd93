"""Purchase order export benchmark: N confirmed purchase orders to the
emulator under Xero's real limits.

    python bench/bench_po_export.py --orders 5000 --vendors 500   # the published run
    python bench/bench_po_export.py --quick                        # smoke run (1,000 orders)

One phase, in a fresh Odoo process on a fresh copy of the purchase order
bench template (:mod:`dataset_po`: 3 lines an order, attachments and
history notes off), against its own emulator process (60 calls/min, 5
concurrent, 5,000/day): what "Send data now" and the cron call
(``connection._xero_sync()``) until nothing is due. Figures as in
``bench_export.py``: orders per minute over the whole run and in the whole
minutes after the first (Xero's ``UpdatedDateUTC`` of the orders it
created), API calls per order including the vendors' contacts, 429s, Odoo
CPU per order, lost and duplicated orders counted in the emulator.

Results: printed, and ``bench/results/po_export.json``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import dataset_po
from bench_export import CEILING_PER_MIN, rates
from common import log


def export_phase(template, profile=False):
    """The export of every queued order in a fresh worker; adds what the emulator holds afterwards."""
    db = "xero_bench_po_export"
    common.copy_db(template, db)
    try:
        with common.EmulatorProcess(name="po_export") as emu:
            args = ["export_po", "--db", db, "--emulator", emu.base_url, "--max-runs", 200]
            res = common.run_worker([*args, "--profile"] if profile else args)
            state = emu.state()
    finally:
        common.drop_db(db)
    numbers = res.pop("numbers")
    lost, duplicated, _extra = common.count_by_number(state, numbers, "PurchaseOrders", "PurchaseOrderNumber")
    wanted = set(numbers)
    stamps = sorted(filter(None, (common.xero_ms(doc.get("UpdatedDateUTC")) for doc in state.get("PurchaseOrders", [])
                                  if doc.get("PurchaseOrderNumber") in wanted)))
    res.update(lost=len(lost), duplicated=sum(n - 1 for n in duplicated.values()), lost_sample=lost[:10],
               rates=rates(stamps, res["wall_s"], res))
    log(f"po export: done in {res['wall_s']:.0f} s, {res['emulator']['calls']} calls, {res['outcome']['states']}")
    return res


def figures(run, orders):
    sent = run["outcome"]["states"].get("sent", 0) or 1
    calls = run["emulator"]["calls"]
    # 5,000 orders take under two minutes: no whole minute after the first, so the
    # sustained figure is the last whole minute (one rolling window of Xero's limit)
    sustained = run["rates"]["steady_per_min"] or run["rates"].get("last_minute_per_min")
    return {
        "orders": orders, "vendors": run["vendors"], "sent": run["outcome"]["states"].get("sent", 0),
        "failed": run["outcome"]["states"].get("failed", 0), "failures": run["outcome"]["failures"],
        "wall_s": run["wall_s"], "per_min_overall": run["rates"]["overall_per_min"],
        "per_min_steady": run["rates"]["steady_per_min"], "sustained_per_min": sustained,
        "last_minute_per_min": run["rates"].get("last_minute_per_min"),
        "ceiling_per_min": CEILING_PER_MIN,
        "ceiling_share": round(sustained / CEILING_PER_MIN, 3) if sustained else None,
        "calls": calls, "calls_per_order": round(calls / sent, 4), "calls_by_route": run["emulator"]["calls_by_route"],
        "http_429": sum(run["emulator"]["rate_limited"].values()),
        "cpu_ms_per_order": round(run["cpu_s"] * 1000 / sent, 2), "governor_wait_s": run["governor_wait_s"],
        "peak_rss_mb": round(run["peak_rss_kb"] / 1024, 1), "lost": run["lost"], "duplicated": run["duplicated"],
    }


def report(fig):
    common.print_figures("Purchase order export benchmark", [
        ("orders sent / queued",
         f"{fig['sent']} / {fig['orders']} ({fig['failed']} failed) for {fig['vendors']} vendors"),
        ("wall time", f"{fig['wall_s']:.1f} s"),
        ("orders per minute (whole run)", f"{fig['per_min_overall']}"),
        ("orders per minute (whole minutes after the 1st)", f"{fig['per_min_steady']}  (ceiling {CEILING_PER_MIN})"),
        ("orders in the last whole minute", f"{fig['last_minute_per_min']}"),
        ("API calls (incl. contacts)", f"{fig['calls']} = {fig['calls_per_order']} per order  {fig['calls_by_route']}"),
        ("429 received", fig["http_429"]),
        ("Odoo CPU per order", f"{fig['cpu_ms_per_order']} ms (governor slept {fig['governor_wait_s']} s)"),
        ("peak RSS of the export process", f"{fig['peak_rss_mb']} MB"),
        ("lost / duplicated in Xero", f"{fig['lost']} / {fig['duplicated']}"),
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=5_000)
    parser.add_argument("--vendors", type=int, default=500)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--profile", action="store_true", help="cProfile the run (slower: figures not valid)")
    parser.add_argument("--quick", action="store_true", help="smoke sizes: 1,000 orders, 100 vendors")
    args = parser.parse_args(argv)
    if args.quick:
        args.orders, args.vendors = 1000, 100
    started = time.monotonic()
    info = common.machine_info()
    template, build = dataset_po.ensure_template(args.orders, args.vendors, args.seed)
    run = export_phase(template, profile=args.profile)
    fig = figures(run, args.orders)
    report(fig)
    if args.profile:
        print(run.get("profile", ""))
    result = {"benchmark": "po_export", "machine": info, "template": build, "args": vars(args), "figures": fig,
              "phases": {"po_export": run}, "total_s": round(time.monotonic() - started, 1),
              "command": "python bench/bench_po_export.py " + " ".join(argv if argv is not None else sys.argv[1:])}
    path = common.write_result("po_export" + ("_quick" if args.quick else ""), result)
    log(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
