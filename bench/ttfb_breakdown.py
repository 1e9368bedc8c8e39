#!/usr/bin/env python3
"""Time-to-first-byte breakdown from `convload trace` files (bench/proxy-bench.sh).

Usage: ttfb_breakdown.py LABEL=TRACE:PORT:KIND ...   (KIND: plain or convert)

Each trace was taken in the proxy namespace while `convload ttfb` opened
sequential connections to PORT; p0 faces the client, p1 the server. Every
connection is the window from one client SYN arriving on p0 to the next, and
in it the first of each event is taken, as microseconds after that SYN. For
a Convert connection the first bytes out to the client are the converter's
reply (its length is in its header); the first relayed byte is the first byte
beyond it. Prints a Markdown table of medians (and the connection count).
"""
import statistics
import sys

SYN, ACK = 0x02, 0x10

EVENTS = [
    ("client_request", "client's request in (in the SYN for Convert)"),
    ("downstream_syn", "SYN out to the server"),
    ("server_synack", "server's SYN-ACK in"),
    ("request_out", "request out to the server"),
    ("response_in", "server's first response byte in"),
    ("reply_out", "first bytes out to the client (Convert: the reply)"),
    ("first_byte_out", "first response byte out to the client"),
]


def read(path):
    rows = []
    for line in open(path):
        f = line.split()
        if len(f) != 10:
            continue
        rows.append({"t": int(f[0]), "if": f[1], "dir": f[2], "dport": int(f[6]), "flags": int(f[7]),
                     "len": int(f[8]), "hex": f[9]})
    return rows


def windows(rows, port):
    starts = [i for i, r in enumerate(rows)
              if r["if"] == "p0" and r["dir"] == "in" and r["dport"] == port and r["flags"] & (SYN | ACK) == SYN]
    for n, i in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(rows)
        yield rows[i], rows[i + 1:end]


def events(syn, rest, convert):
    found = {}
    if syn["len"] > 0:
        found["client_request"] = syn["t"]
    first = lambda key, cond: found.setdefault(key, r["t"]) if key not in found and cond else None
    sent_to_client, reply_len = 0, None
    for r in rest:
        side, out, pure_syn = r["if"], r["dir"] == "out", r["flags"] & (SYN | ACK) == SYN
        first("client_request", side == "p0" and not out and r["len"] > 0)
        first("downstream_syn", side == "p1" and out and pure_syn)
        first("server_synack", side == "p1" and not out and r["flags"] & (SYN | ACK) == SYN | ACK)
        first("request_out", side == "p1" and out and r["len"] > 0)
        first("response_in", side == "p1" and not out and r["len"] > 0)
        if side == "p0" and out and r["len"] > 0:
            first("reply_out", True)
            if convert and reply_len is None and len(r["hex"]) >= 4:
                reply_len = int(r["hex"][2:4], 16) * 4
            sent_to_client += r["len"]
            first("first_byte_out", not convert or (reply_len is not None and sent_to_client > reply_len))
    return {k: (v - syn["t"]) / 1000 for k, v in found.items()}


def main(specs):
    columns = []
    for spec in specs:
        label, rest = spec.split("=", 1)
        path, port, kind = rest.rsplit(":", 2)
        per = [events(syn, after, kind == "convert") for syn, after in windows(read(path), int(port))]
        columns.append((label, per))
    print("| µs after the client's SYN reached the proxy namespace (p50) | "
          + " | ".join(label for label, _ in columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for key, text in EVENTS:
        cells = []
        for _, per in columns:
            values = [p[key] for p in per if key in p]
            cells.append(f"{statistics.median(values):.1f}" if values else "—")
        print(f"| {text} | " + " | ".join(cells) + " |")
    print("| connections traced | " + " | ".join(str(len(per)) for _, per in columns) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
