#!/usr/bin/env python3
"""A converter that resets every connection as soon as it is accepted."""

import socket
import struct

from convert_put import listeners_from_argv, serve


def reset(_count, client):
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()  # linger 0: an RST, not a FIN
    return True


if __name__ == "__main__":
    serve(listeners_from_argv(), reset)
