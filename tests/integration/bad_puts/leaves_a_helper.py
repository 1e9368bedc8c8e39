#!/usr/bin/env python3
"""A working converter that starts a detached helper (double fork and
setsid, like a crash reporter or a cache daemon) which outlives it: the
helper is in the case's network namespace but not in the PUT's process
group. ARGUMENT: a word for the helper's command line, to find it by."""

import os
import sys
import time

from convert_put import listeners_from_argv, serve


def start_helper(tag):
    if os.fork() > 0:
        os.wait()
        return
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    os.execvp(sys.executable, [sys.executable, "-c", "import time; time.sleep(300)", tag])


def main():
    listeners = listeners_from_argv()
    start_helper(sys.argv[4])
    serve(listeners)


if __name__ == "__main__":
    main()
