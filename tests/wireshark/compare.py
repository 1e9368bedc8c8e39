#!/usr/bin/env python3
"""The Wireshark dissector (tools/wireshark/convert.lua) against packetgen.

Builds a capture (the golden and malformed vectors, or the pcaps of whole
catalog runs in both roles), has packetgen decode every Convert message in it
(convert_dissector_reference decode) and tshark with the dissector, and
compares message by message: the frame in which it becomes whole, its
direction, header, the first decoder rule it breaks (the dissector's expert
info convert.rule.<Rule>), every TLV's fields and the length of the
application data after it. Also fails on any Lua error.

  compare.py --dissector convert.lua --reference BIN --vectors GOLDEN_DIR
  compare.py --dissector convert.lua --reference BIN --catalog-run CONVTEST [--catalog-pcaps DIR]
  compare.py --dissector convert.lua --reference BIN --capture FILE
"""

import argparse
import collections
import glob
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

MAX_SHOWN = 20


def fail(text):
    print(f"compare.py: {text}", file=sys.stderr)
    sys.exit(1)


def require_tools():
    missing = [tool for tool in ("tshark", "mergecap") if shutil.which(tool) is None]
    if missing:
        fail(f"{' and '.join(missing)} not found: install the Debian package tshark "
             "(scripts/install-deps.sh does) to test the Wireshark dissector")


# ------------------------------------------------------------------ captures

def vector_capture(reference, golden_dir, workdir):
    path = os.path.join(workdir, "vectors.pcap")
    subprocess.run([reference, "vectors", path, golden_dir], check=True)
    return path


def catalog_run(convtest, workdir, role):
    """The pcaps of a whole catalog run in `role` (converter: convproxy is the
    PUT; client: convclient is)."""
    pcaps = os.path.join(workdir, role)
    run = subprocess.run([convtest, "run", "--role", role, "--report", os.path.join(workdir, f"{role}.json"),
                          "--pcap-dir", pcaps, "--progress", "none"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    if run.returncode not in (0, 1):  # 1: some case failed; the pcaps are still there
        fail(f"convtest run --role {role} exited with {run.returncode}:\n{run.stderr}")
    files = sorted(glob.glob(os.path.join(pcaps, "*.pcap")))
    if not files:
        fail(f"the {role} catalog run wrote no pcap")
    return files


def earlier_run(convtest, pcaps_dir, role):
    """The pcaps an earlier whole catalog run of this convtest left in
    PCAPS_DIR/ROLE (the integration tests' catalog runs do, and mark a
    finished run with ROLE.complete); None when there are none or they are
    older than the binary."""
    if not pcaps_dir:
        return None
    marker = os.path.join(pcaps_dir, f"{role}.complete")
    files = sorted(glob.glob(os.path.join(pcaps_dir, role, "*.pcap")))
    if not files or not os.path.exists(marker) or os.path.getmtime(marker) < os.path.getmtime(convtest):
        return None
    print(f"compare.py: the {role} catalog's pcaps of an earlier run of this convtest ({pcaps_dir})")
    return files


def catalog_capture(convtest, workdir, pcaps_dir):
    files = []
    for role in ("converter", "client"):
        earlier = earlier_run(convtest, pcaps_dir, role)
        if earlier is None and os.geteuid() != 0:
            fail("the catalog run needs root (network namespaces, TUN devices)")
        files += earlier if earlier is not None else catalog_run(convtest, workdir, role)
    merged = os.path.join(workdir, "catalog.pcap")
    # One tshark process for all: starting tshark costs more than a case's pcap.
    subprocess.run(["mergecap", "-a", "-F", "pcap", "-w", merged] + files, check=True)
    print(f"compare.py: {len(files)} pcaps of the catalog runs (converter and client roles)")
    return merged


# ------------------------------------------------------------ packetgen side

def canonical_endpoint(text):
    address, port = text.rsplit("|", 1)
    return f"{ipaddress.ip_address(address).compressed}|{port}"


def canonical_flow(flow):
    source, destination = flow.split(">")
    return f"{canonical_endpoint(source)}>{canonical_endpoint(destination)}"


def reference_records(reference, capture):
    output = subprocess.run([reference, "decode", capture], check=True, capture_output=True, text=True).stdout
    records = json.loads(output)
    for record in records:
        record["flow"] = canonical_flow(record["flow"])
    return records


# --------------------------------------------------------------- tshark side

def pairs_hook(pairs):
    return pairs  # keeps repeated keys (several TLVs, options, layers) in order


def first(pairs, key, default=None):
    for name, value in pairs:
        if name == key:
            return value
    return default


def every(pairs, key):
    return [value for name, value in pairs if name == key]


def number(text):
    return None if text is None else int(text)  # a field the dissector lost compares unequal


def plain_hex(text):
    return (text or "").replace(":", "")


def rules_in(node):
    """convert.rule.* expert infos, depth first in tree order (the order the dissector found them)."""
    found = []
    if not isinstance(node, list):
        return found
    for name, value in node:
        if name.startswith("convert.rule."):
            found.append(name[len("convert.rule."):])
        elif name in ("convert", "convert.error.echo_tree"):
            continue  # an echoed message's faults are not the reply's
        else:
            found.extend(rules_in(value))
    return found


def error_fields(tlv, code):
    if code in (0, 33):
        field = "convert.error.version" if code == 0 else "convert.error.option_kind"
        return {"list": [int(v) for v in every(tlv, field)]}
    if code in (1, 2, 3):
        field = "convert.error.cookie" if code == 3 else "convert.error.echo"
        return {"bytes": plain_hex(first(tlv, field))}
    for field in ("convert.error.value", "convert.error.backoff", "convert.error.icmp_code"):
        if first(tlv, field) is not None:
            return {"value": int(first(tlv, field))}
    return {}


def option_kinds(options_tree):
    if options_tree is None:
        return []
    return [number(first(option, "convert.tcp_option.kind")) for option in every(options_tree, "convert.tcp_option")]


def tlv_fields(tlv):
    kind = number(first(tlv, "convert.tlv.type"))
    fields = {"type": kind}
    if kind == 10:
        fields["port"] = number(first(tlv, "convert.connect.port"))
        address = first(tlv, "convert.connect.address")
        fields["address"] = address and ipaddress.IPv6Address(address).packed.hex()
        fields["options"] = plain_hex(first(tlv, "convert.connect.options"))
        fields["option_kinds"] = option_kinds(first(tlv, "convert.connect.options_tree"))
    elif kind == 20:
        fields["options"] = plain_hex(first(tlv, "convert.ext_tcp_header.options"))
    elif kind == 21:
        fields["kinds"] = [int(v) for v in every(tlv, "convert.supported.kind")]
    elif kind == 22:
        fields["cookie"] = plain_hex(first(tlv, "convert.cookie"))
    elif kind == 30:
        code = number(first(tlv, "convert.error.code"))
        fields["code"] = code
        fields.update(error_fields(tlv, code))
    return fields


def frame_flow(layers):
    ip = first(layers, "ip") or first(layers, "ipv6")
    family = "ip" if first(layers, "ip") is not None else "ipv6"
    tcp = first(layers, "tcp")
    source = f"{first(ip, family + '.src')}|{first(tcp, 'tcp.srcport')}"
    destination = f"{first(ip, family + '.dst')}|{first(tcp, 'tcp.dstport')}"
    return canonical_flow(f"{source}>{destination}")


def layer_record(layer, frame, flow, app_data):
    header = first(layer, "convert.header") or []
    rules = rules_in(layer)
    record = {"frame": frame, "flow": flow, "direction": int(first(layer, "convert.direction", "0")),
              "version": int(first(header, "convert.version", "0")),
              "total_length": int(first(header, "convert.total_length", "0")),
              "outcome": rules[0] if rules else "ok"}
    if not rules:
        record["tlvs"] = [tlv_fields(tlv) for tlv in every(layer, "convert.tlv")]
        record["app_data"] = app_data
    return record


def run_tshark(dissector, capture, extra):
    command = ["tshark", "-n", "-X", f"lua_script:{dissector}", "-r", capture] + extra
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    noise = [line for line in run.stderr.splitlines() if line and "Running as user" not in line]
    if run.returncode != 0 or noise:
        fail(f"tshark failed ({run.returncode}):\n" + "\n".join(noise[:MAX_SHOWN]))
    if "Lua Error" in run.stdout or "_ws.lua.error" in run.stdout:
        lines = [line for line in run.stdout.splitlines() if "Lua Error" in line or "_ws.lua.error" in line]
        fail("Lua error(s) in the dissector:\n" + "\n".join(lines[:MAX_SHOWN]))
    return run.stdout


def tshark_records(dissector, capture):
    # Application data to the data dissector, so that its length can be counted.
    output = run_tshark(dissector, capture, ["-o", "convert.handoff_by_connect_port:FALSE", "-T", "json"])
    records = []
    for packet in json.loads(output, object_pairs_hook=pairs_hook):
        layers = first(first(packet, "_source"), "layers")
        convert_layers = every(layers, "convert")
        if not convert_layers:
            continue
        frame = int(first(first(layers, "frame"), "frame.number"))
        app_data = sum(int(first(data, "data.len", "0")) for data in every(layers, "data"))
        flow = frame_flow(layers)
        records.extend(layer_record(layer, frame, flow, app_data) for layer in convert_layers)
    return records


# ---------------------------------------------------------------- comparison

def compare(expected, actual):
    """Returns the problems; a message tshark shows again (a retransmitted
    SYN) must equal the one packetgen saw first on that flow."""
    by_frame = collections.defaultdict(list)
    for record in actual:
        by_frame[record["frame"]].append(record)
    by_flow = collections.defaultdict(list)
    for record in expected:
        by_flow[record["flow"]].append(record)
    problems = []
    for record in expected:
        shown = by_frame.pop(record["frame"], [])
        if len(shown) != 1 or shown[0] != record:
            problems.append(f"frame {record['frame']}:\n  packetgen: {json.dumps(record)}\n"
                            f"  tshark:    {json.dumps(shown)}")
    repeats = 0
    for frame, shown in sorted(by_frame.items()):
        for record in shown:
            same = [r for r in by_flow[record["flow"]] if {**r, "frame": frame} == record]
            if same:
                repeats += 1
            else:
                problems.append(f"frame {frame}: tshark shows a message packetgen does not:\n  {json.dumps(record)}")
    return problems, repeats


def summary(expected):
    outcomes = collections.Counter(record["outcome"] for record in expected)
    text = ", ".join(f"{name} {count}" for name, count in sorted(outcomes.items()))
    tlvs = sum(len(record.get("tlvs", [])) for record in expected)
    return f"{len(expected)} messages ({text}), {tlvs} TLVs"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dissector", required=True)
    parser.add_argument("--reference", required=True, help="convert_dissector_reference")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--vectors", metavar="GOLDEN_DIR")
    source.add_argument("--catalog-run", metavar="CONVTEST")
    source.add_argument("--capture", metavar="FILE")
    parser.add_argument("--catalog-pcaps", metavar="DIR",
                        help="with --catalog-run: take the pcaps of an earlier catalog run of the same binary from here")
    args = parser.parse_args()
    require_tools()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="convert-dissector-") as workdir:
        if args.vectors:
            capture = vector_capture(args.reference, args.vectors, workdir)
        elif args.catalog_run:
            capture = catalog_capture(args.catalog_run, workdir, args.catalog_pcaps)
        else:
            capture = args.capture
        # The default preferences too (application data to the Connect port's dissector): no Lua error.
        run_tshark(args.dissector, capture, ["-V"])
        expected = reference_records(args.reference, capture)
        actual = tshark_records(args.dissector, capture)
        if not expected:
            fail("packetgen found no Convert message in the capture")
        problems, repeats = compare(expected, actual)
        if problems and capture != args.capture:
            kept = os.path.abspath("dissector-differences.pcap")  # frame numbers below refer to it
            shutil.copyfile(capture, kept)
            print(f"compare.py: capture kept in {kept}", file=sys.stderr)
    print(f"compare.py: {summary(expected)}; {repeats} shown again by tshark (retransmissions); "
          f"{time.monotonic() - started:.1f} s")
    if problems:
        print(f"compare.py: {len(problems)} difference(s) between packetgen and the dissector:", file=sys.stderr)
        for problem in problems[:MAX_SHOWN]:
            print(problem, file=sys.stderr)
        sys.exit(1)
    print("compare.py: every message decodes the same in tshark and packetgen")


if __name__ == "__main__":
    main()
