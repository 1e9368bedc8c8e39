#!/usr/bin/env python3
"""A bad Convert client: it walks the reply's TLVs by their Length and,
handed a TLV of Length 0, never advances (breaks CLI-027: it hangs).
Usage: hangs_on_length_zero.py CONVERTER PORT DESTINATION PORT < request"""

import sys
import time

from convert_client import main_with


def walk(sock, buffer):
    end = buffer[1] * 4
    at = 4
    while at < end:
        length = buffer[at + 1] * 4
        if length == 0:
            time.sleep(0.05)  # the bug: the same TLV again, forever
            continue
        at += length
    sys.stdout.buffer.write(buffer[end:])
    while True:
        data = sock.recv(4096)
        if not data:
            return
        sys.stdout.buffer.write(data)


if __name__ == "__main__":
    main_with(walk)
