"""A minimal RFC 8803 converter for the suite's test doubles: Linux TCP
sockets with TCP_FASTOPEN, one thread per client, a Base Connect proxied to
its destination with a header-only reply, then bytes relayed both ways.
Written independently of convproxy; each bad_puts script breaks it in one
way. Usage of every script: SCRIPT ADDRESS ADDRESS6 PORT [ARGUMENT]."""

import ipaddress
import socket
import sys
import threading

MAGIC = b"\x22\x63"
CONNECT_TLV = 10
TCP_FASTOPEN_QUEUE = 64
REPLY = bytes([1, 1]) + MAGIC  # version 1, one word, no TLV: success
RELAY_IDLE_SECONDS = 30  # a relay with nothing to move for that long ends


def listen(address: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, TCP_FASTOPEN_QUEUE)
    sock.bind((address, port))
    sock.listen(128)
    return sock


def listeners_from_argv() -> list:
    address, address6, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    return [listen(a, port) for a in (address, address6) if a and a != "none"]


def read_message(sock):
    """The client's bytes up to the end of its Convert message (Total
    Length), with whatever came along; None when it closed before."""
    buffer, needed = b"", 4
    while len(buffer) < needed:
        chunk = sock.recv(4096)
        if not chunk:
            return None
        buffer += chunk
        if len(buffer) >= 4:
            needed = max(4, buffer[1] * 4)
    return buffer


def destination_of(message: bytes):
    """The (address, port) of the Connect TLV, or None."""
    offset = 4
    while offset + 2 <= len(message):
        kind, words = message[offset], message[offset + 1]
        if words == 0:
            return None
        if kind == CONNECT_TLV and words >= 5:
            port = int.from_bytes(message[offset + 2:offset + 4], "big")
            address = ipaddress.IPv6Address(message[offset + 4:offset + 20])
            mapped = address.ipv4_mapped
            return (str(mapped) if mapped else str(address)), port
        offset += words * 4
    return None


def pump(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                sink.shutdown(socket.SHUT_WR)
                return
            sink.sendall(data)
    except OSError:
        return


def convert(client):
    """Reads the Convert message, proxies it, relays until both sides end."""
    with client:
        client.settimeout(RELAY_IDLE_SECONDS)
        try:
            buffer = read_message(client)
            if buffer is None or buffer[0] != 1 or buffer[2:4] != MAGIC or buffer[1] == 0:
                return
            destination = destination_of(buffer[:buffer[1] * 4])
            if destination is None:
                return
            server = socket.create_connection(destination, timeout=5)
        except OSError:
            return
        with server:
            server.settimeout(RELAY_IDLE_SECONDS)
            client.sendall(REPLY)
            server.sendall(buffer[buffer[1] * 4:])
            back = threading.Thread(target=pump, args=(server, client), daemon=True)
            back.start()
            pump(client, server)
            back.join(RELAY_IDLE_SECONDS)


def serve(listeners, on_accept=None):
    """Accepts on every listener; on_accept(count, client) may take the
    client over (return True) instead of the converter."""
    count = 0
    lock = threading.Lock()

    def accept_loop(listener):
        nonlocal count
        while True:
            client, _ = listener.accept()
            with lock:
                count += 1
                current = count
            if on_accept is not None and on_accept(current, client):
                continue
            threading.Thread(target=convert, args=(client,), daemon=True).start()

    threads = [threading.Thread(target=accept_loop, args=(l,), daemon=True) for l in listeners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
