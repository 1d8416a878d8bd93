"""Fault run: a storm of injected failures over an export, and the daily limit.

    python bench/fault_storm.py --documents 1000 --rate 0.3 --seed 42
    python bench/fault_storm.py --quick                       # 200 documents

Phases (fresh Odoo process, fresh database copy, own emulator each):

1. **clean** — the export of N documents without faults (the reference time).
2. **storm** — the same export while ``rate`` of the requests fail. The
   emulator has no random mode, so the bench loads a seeded schedule into it
   through its admin API before the export (``POST /_emulator/faults``, one
   rule per request, consumed in order by every admitted accounting request):
   each rule is a fault with probability ``rate`` — 500, 503, 429, timeout
   (the request is held 31 s and dropped unprocessed; the client gives up
   after its 30 s timeout) or a lost response (processed and committed by
   Xero, then the connection is closed) — otherwise a pass-through (mode
   ``delay`` of 0 s). Everything must be sent, nothing twice.
3. **day limit** — the export with only ``--day-budget`` calls left in
   Xero's day (default: half of what phase 1 used): the run must stop cleanly ("stopped", with the time it
   resumes); the emulator's clock then moves 24 h and a second run must send
   the rest, nothing lost or duplicated.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import dataset
from common import log

FAULT_MODES = ("500", "503", "429", "timeout", "drop_after_commit")
ANY_ACCOUNTING = r"^/api\.xro/2\.0/"


def schedule(seed, rate, size=2000):
    """The seeded list of fault rules (one per request, in order)."""
    rnd = random.Random(seed)
    rules = []
    for _i in range(size):
        if rnd.random() < rate:
            mode = rnd.choice(FAULT_MODES)
            rule = {"mode": mode, "count": 1, "path": ANY_ACCOUNTING}
            if mode == "timeout":
                rule["timeout_seconds"] = 31
            rules.append(rule)
        else:
            rules.append({"mode": "delay", "count": 1, "path": ANY_ACCOUNTING, "delay_seconds": 0})
    return rules


def run(name, template, documents, faults=None, day_budget=0, emulator=None, db=None, keep=False):
    """One export phase; returns the worker's answer plus lost/duplicated counts."""
    db = db or common.db_name(name)
    if not keep:
        common.copy_db(template, db)
    own = emulator is None
    emu = emulator or common.EmulatorProcess(name=name).start()
    try:
        args = ["export", "--db", db, "--emulator", emu.base_url, "--invoices", documents, "--max-runs", 100]
        if faults:
            path = common.STATE_DIR / f"bench-faults-{common.TAG}-{name}.json"
            path.write_text(json.dumps(faults))
            args += ["--fault-schedule", path]
        if day_budget:
            args += ["--day-budget", day_budget]
        res = common.run_worker(args)
        state = emu.state()
    finally:
        if own:
            emu.stop()
        if own and not keep:
            common.drop_db(db)
    lost, duplicated, _extra = common.count_by_number(state, res["numbers"]) if documents else ([], {}, [])
    res.update(lost=len(lost), duplicated=sum(n - 1 for n in duplicated.values()), lost_sample=lost[:10],
               duplicated_sample=dict(list(duplicated.items())[:10]))
    log(f"phase {name}: {res['wall_s']:.0f} s, {res['emulator']['calls']} calls, {res['outcome']['states']}, "
        f"lost {res['lost']}, duplicated {res['duplicated']}")
    return res, state


def day_limit_phase(template, documents, budget):
    """Stop at the daily limit, move Xero's clock a day, resume (see module doc)."""
    db = common.db_name("daylimit")
    common.copy_db(template, db)
    try:
        with common.EmulatorProcess(name="daylimit") as emu:
            first, _state = run("daylimit", template, documents, day_budget=budget, emulator=emu, db=db, keep=True)
            emu.advance_clock(86_401)
            emu.set_limits(day=5000)
            second, state = run("daylimit_resume", template, 0, emulator=emu, db=db, keep=True)
    finally:
        common.drop_db(db)
    lost, duplicated, _extra = common.count_by_number(state, first["numbers"])
    return {"first_run": first["runs"], "first_sent": first["outcome"]["states"].get("sent", 0),
            "first_calls": first["emulator"]["calls"], "daily_429": first["emulator"]["rate_limited"].get("day", 0),
            "resume_runs": second["runs"], "resume_calls": second["emulator"]["calls"],
            "documents": len(first["numbers"]), "sent_total": second["outcome"]["states"].get("sent", 0)
            + first["outcome"]["states"].get("sent", 0),
            "lost": len(lost), "duplicated": sum(n - 1 for n in duplicated.values())}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--day-budget", type=int, default=0,
                        help="calls left in the day for phase 3 (default: half of what the export needs)")
    parser.add_argument("--invoices", type=int, default=10_000, help="the bench template to take them from")
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--no-daylimit", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.documents, args.invoices, args.customers = 200, 1000, 100
    started = time.monotonic()
    info = common.machine_info()
    template, _build = dataset.ensure_template(args.invoices, args.customers, 7)
    clean, _state = run("clean", template, args.documents)
    # enough rules for the storm's requests (retries included); the rest is cleared after
    rules = schedule(args.seed, args.rate, size=max(60, 4 * clean["emulator"]["calls"]))
    storm, _state = run("storm", template, args.documents, faults=rules)
    used = len(rules) - storm.get("faults_left", len(rules))
    hit = {}
    for rule in rules[:used]:
        if rule["mode"] != "delay":
            hit[rule["mode"]] = hit.get(rule["mode"], 0) + 1
    budget = args.day_budget or max(1, clean["emulator"]["calls"] // 2)
    daylimit = None if args.no_daylimit else day_limit_phase(template, args.documents, budget)
    summary = {
        "documents": args.documents, "rate": args.rate, "seed": args.seed,
        "clean_wall_s": clean["wall_s"], "clean_calls": clean["emulator"]["calls"],
        "storm_wall_s": storm["wall_s"], "storm_requests": storm["emulator"]["calls"], "faults_hit": hit,
        "faults_total": sum(hit.values()), "fault_share": round(sum(hit.values()) / max(used, 1), 3),
        "storm_runs": len(storm["runs"]), "storm_sent": storm["outcome"]["states"].get("sent", 0),
        "storm_failed": storm["outcome"]["states"].get("failed", 0),
        "lost": clean["lost"] + storm["lost"], "duplicated": clean["duplicated"] + storm["duplicated"],
        "storm_lost": storm["lost"], "storm_duplicated": storm["duplicated"],
        "time_ratio": round(storm["wall_s"] / clean["wall_s"], 2) if clean["wall_s"] else None,
        "daylimit": daylimit,
    }
    rows = [
        ("fault-free export", f"{args.documents} documents in {clean['wall_s']:.1f} s, "
         f"{clean['emulator']['calls']} calls, lost {clean['lost']}, duplicated {clean['duplicated']}"),
        (f"storm ({args.rate:.0%} of requests, seed {args.seed})",
         f"{summary['faults_total']} faults of {used} requests ({summary['fault_share']:.0%}): {hit}"),
        ("storm outcome", f"{summary['storm_sent']}/{args.documents} sent ({summary['storm_failed']} failed) in "
         f"{len(storm['runs'])} runs, lost {storm['lost']}, duplicated {storm['duplicated']}"),
        ("storm time vs fault-free", f"{storm['wall_s']:.1f} s vs {clean['wall_s']:.1f} s = {summary['time_ratio']}x"),
    ]
    if daylimit:
        first = daylimit["first_run"][-1] if daylimit["first_run"] else {}
        rows += [
            (f"day limit ({budget} calls left)", f"run {first.get('state')}: {daylimit['first_sent']} sent, "
             f"{daylimit['daily_429']} daily 429; \"{(first.get('message') or '')[:110]}\""),
            ("after 24 h", f"resumed: {daylimit['sent_total']}/{daylimit['documents']} sent in total, lost "
             f"{daylimit['lost']}, duplicated {daylimit['duplicated']}"),
        ]
    common.print_figures("Fault storm and daily limit", rows)
    result = {"benchmark": "fault_storm", "machine": info, "args": vars(args), "summary": summary,
              "clean": clean, "storm": storm, "total_s": round(time.monotonic() - started, 1),
              "command": "python bench/fault_storm.py " + " ".join(argv if argv is not None else sys.argv[1:])}
    for phase in (result["clean"], result["storm"]):
        phase.pop("numbers", None)
    path = common.write_result("fault_storm" + ("_quick" if args.quick else ""), result)
    log(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
