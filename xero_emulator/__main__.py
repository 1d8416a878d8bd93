"""``python -m xero_emulator --host 127.0.0.1 --port 8099 --state-file PATH``."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from .emulator import Emulator


def main(argv=None) -> int:
    """Run the emulator until SIGINT/SIGTERM, saving the state file on the way out."""
    parser = argparse.ArgumentParser(prog="python -m xero_emulator", description="Local Xero API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--state-file", default=None, help="JSON file loaded at start and saved on exit")
    parser.add_argument("--day-limit", type=int, default=5000, help="daily call limit per tenant (1000 = Starter)")
    parser.add_argument("--demo", dest="demo", action="store_true", default=True, help="load the demo org (default)")
    parser.add_argument("--no-demo", dest="demo", action="store_false", help="start without any organisation")
    parser.add_argument("--validate", action="store_true", help="validate bodies against the OpenAPI spec")
    parser.add_argument("--autosave-seconds", type=float, default=5.0)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    emu = Emulator(
        args.host,
        args.port,
        args.state_file,
        demo=args.demo,
        validate=args.validate,
        day_limit=args.day_limit,
        verbose=args.verbose,
        autosave_seconds=args.autosave_seconds,
    )
    emu.start()
    done = threading.Event()

    def stop(signum, _frame):
        logging.getLogger("xero_emulator").warning("signal %s: stopping", signum)
        done.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"Xero emulator listening on {emu.base_url}", flush=True)
    done.wait()
    emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
