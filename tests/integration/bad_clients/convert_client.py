"""A minimal RFC 8803 client for the suite's test doubles: the Convert
message in the SYN (MSG_FASTOPEN), then the reply read from the stream.
Written independently of convclient, so that the client catalog is proven
against a client it was not tuned to."""

import ipaddress
import socket
import sys

MAGIC = b"\x22\x63"


def connect_message(destination: str, port: int) -> bytes:
    address = ipaddress.ip_address(destination)
    packed = address.packed if address.version == 6 else b"\x00" * 10 + b"\xff\xff" + address.packed
    connect = bytes([10, 5]) + port.to_bytes(2, "big") + packed
    return bytes([1, 1 + len(connect) // 4]) + MAGIC + connect


def open_through_converter(converter: str, converter_port: int, destination: str, port: int, request: bytes):
    family = socket.AF_INET6 if ":" in converter else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(5)
    sock.sendto(connect_message(destination, port) + request, socket.MSG_FASTOPEN, (converter, converter_port))
    return sock


def read_exactly(sock, count: int, buffer: bytes) -> bytes:
    while len(buffer) < count:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("the converter closed before the reply was complete")
        buffer += chunk
    return buffer


def main_with(handle_reply):
    """argv: converter converter_port destination port; stdin: the request."""
    converter, converter_port, destination, port = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    request = sys.stdin.buffer.read()
    sock = open_through_converter(converter, converter_port, destination, port, request)
    buffer = read_exactly(sock, 4, b"")
    if buffer[2:4] != MAGIC:
        sys.exit("no Convert reply")
    buffer = read_exactly(sock, buffer[1] * 4, buffer)
    sock.shutdown(socket.SHUT_WR)  # the whole request went with the SYN
    handle_reply(sock, buffer)
