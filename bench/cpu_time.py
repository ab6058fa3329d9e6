"""CPU seconds used so far by a process and its direct children (the gunicorn
master and its workers), from /proc. bench/run.sh reads it before and after
each measurement: CPU time per request does not depend on what else the
machine is doing, unlike requests per second.

    python bench/cpu_time.py PID
"""

import os
import sys
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    # Fields after the ")" that ends the command name: utime and stime are the
    # 12th and 13th of them (fields 14 and 15 of the whole line).
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def children(pid):
    pids = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        pids += (task / "children").read_text().split()
    return pids


def main():
    pid = sys.argv[1]
    total = cpu_seconds(pid)
    for child in children(pid):
        try:
            total += cpu_seconds(child)
        except FileNotFoundError:  # a worker that exited just now
            continue
    print(f"{total:.2f}")


if __name__ == "__main__":
    main()
