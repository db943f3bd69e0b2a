#!/usr/bin/env python3
"""The disk's own stalls, for the push storm's chat probe (bench/push/push_storm.js).

A chat message is acknowledged and delivered only once its commit is on the disk (the node's
SQLite writer calls fdatasync on its write-ahead log). The VM's disk now and then takes 40 to
150 ms to finish one such flush, idle or not (an strace of the writer showed a single 123 ms
fdatasync, with no checkpoint near it). Every chat line sent meanwhile waits for it, whatever
the server does. The CPU canary (stall_canary.py) cannot see that.

This canary rewrites one preallocated 4 KiB block of its own file, in a directory on the same
file system as the node's data, and calls fdatasync, every --period-ms. A flush longer than
--late-ms is printed as one JSON line, [from_ms, to_ms] on CLOCK_MONOTONIC (the clock of
Node's process.hrtime). The threshold is far above the node's own flushes (3 to 4 ms at p99
for the writer during a storm, at most 12 ms for the checkpointer), so only the disk itself
holding every flush back shows up. Its own flushes add about 1/period-ms of the node's.

Bounded: it exits after --max-s seconds, when its parent goes (stdout closed) or on SIGTERM,
and removes its file.

    python3 disk_canary.py --dir DIR [--late-ms 30] [--period-ms 20] [--max-s 900]
"""

import argparse
import json
import os
import signal
import sys
import time

BLOCK = 4096


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--late-ms", type=float, default=30.0)
    parser.add_argument("--period-ms", type=float, default=20.0)
    parser.add_argument("--max-s", type=float, default=900.0)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # through `finally`: the file goes
    late_s = args.late_ms / 1000
    period_s = args.period_ms / 1000
    path = os.path.join(args.dir, "disk-canary")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        # Allocated and on the disk before the first timed flush, so each later fdatasync
        # writes one data block and no metadata, as an overwrite of SQLite's log does.
        block = b"\0" * BLOCK
        os.pwrite(fd, block, 0)
        os.fsync(fd)
        end = time.monotonic() + args.max_s
        print(json.dumps({"ready": True}), flush=True)
        n = 0
        while True:
            before = time.monotonic()
            if before > end:
                return 0
            n += 1
            os.pwrite(fd, n.to_bytes(8, "little") + block[8:], 0)
            os.fdatasync(fd)
            after = time.monotonic()
            if after - before > late_s:
                print(json.dumps([before * 1000, after * 1000]), flush=True)
            time.sleep(max(0.0, period_s - (after - before)))
    except (BrokenPipeError, KeyboardInterrupt):
        return 0
    finally:
        os.close(fd)
        try:
            os.unlink(path)
        except OSError:
            pass


if __name__ == "__main__":
    sys.exit(main())
