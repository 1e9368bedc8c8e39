#!/usr/bin/env python3
"""A converter that crashes mid-case: it serves N connections, then exits
with status 1 when the next one arrives. ARGUMENT: N."""

import os
import sys

from convert_put import listeners_from_argv, serve


def main():
    served = int(sys.argv[4])

    def crash_after(count, _client):
        if count > served:
            os._exit(1)
        return False

    serve(listeners_from_argv(), crash_after)


if __name__ == "__main__":
    main()
