#!/usr/bin/env python3
"""The machine's own stalls, for the push storm's chat probe (bench/push/push_storm.js).

push_storm.js runs this under SCHED_FIFO (`chrt -f 10`), above every normal-priority thread
of the node, the fake provider and the drivers: none of them can delay it. It sleeps 1 ms at
a time and prints each wake-up later than --late-ms as one JSON line, [from_ms, to_ms] on
CLOCK_MONOTONIC (the clock of Node's process.hrtime). Such an interval is one in which the
machine itself held even a real-time thread back: the hypervisor running something else on
the vCPU, a halted vCPU slow to wake, an interrupt storm. A chat sample in flight then was
slowed by the machine as well, whatever the server did.

Bounded: it exits after --max-s seconds, when its parent goes (stdout closed) or on SIGTERM.

    chrt -f 10 python3 stall_canary.py [--late-ms 2] [--max-s 900]
"""

import argparse
import json
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--late-ms", type=float, default=2.0)
    parser.add_argument("--max-s", type=float, default=900.0)
    args = parser.parse_args()
    tick_s = 0.001
    late_s = args.late_ms / 1000
    end = time.monotonic() + args.max_s
    print(json.dumps({"ready": True}), flush=True)
    try:
        while True:
            before = time.monotonic()
            if before > end:
                return 0
            time.sleep(tick_s)
            after = time.monotonic()
            if after - before - tick_s > late_s:
                print(json.dumps([before * 1000, after * 1000]), flush=True)
    except (BrokenPipeError, KeyboardInterrupt):
        return 0


if __name__ == "__main__":
    sys.exit(main())
