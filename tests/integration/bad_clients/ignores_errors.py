#!/usr/bin/env python3
"""A bad Convert client: it skips the converter's reply by its Total Length
without looking at its TLVs, so an Error TLV never stops it (breaks CLI-018).
Usage: ignores_errors.py CONVERTER PORT DESTINATION PORT < request"""

import sys

from convert_client import main_with


def relay(sock, buffer):
    data = buffer[buffer[1] * 4:]
    while True:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        data = sock.recv(4096)
        if not data:
            return


if __name__ == "__main__":
    main_with(relay)
