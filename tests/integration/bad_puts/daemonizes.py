#!/usr/bin/env python3
"""A converter that daemonizes the classic way: it listens, forks, calls
setsid, forks again and lets the first two processes exit, so that the one
serving is in no process group the harness made. ARGUMENT: 'serve' (the
daemon keeps converting) or 'hang' (it accepts and never answers)."""

import os
import sys

from convert_put import listeners_from_argv, serve


def daemonize():
    if os.fork() > 0:
        os._exit(0)
    os.setsid()
    if os.fork() > 0:
        os._exit(0)


def main():
    listeners = listeners_from_argv()
    daemonize()
    if sys.argv[4] == "hang":
        held = []
        serve(listeners, lambda _count, client: held.append(client) or True)
    else:
        serve(listeners)


if __name__ == "__main__":
    main()
