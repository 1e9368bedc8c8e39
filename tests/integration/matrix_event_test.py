#!/usr/bin/env python3
"""`convtest matrix` on a small interop event, as root.

Three converters (convproxy, and convproxy with the faults no-success-reply
and wrong-reset-code) and two clients (convclient, and convclient with the
fault convert-bytes-to-app), two middlebox profiles. Checks: the exit code;
matrix.json, every unit file and the event file against their schemas; every
cell of matrix.json against the run's own report or the pair cell's file;
the faults fail where they must and only there; an expectation file turns
named deviations into XFAIL; --resume keeps finished units and re-runs
incomplete ones; no process of the matrix is left afterwards; a client that
hangs and a converter that dies mid-way never give a PASS; pair cells
through converters in netns and remote mode (started here, in a namespace
and on a veth-attached "box") pass, and one that stops serving fails. The output
folder stays for the browser test (integration.matrix_event_browser).
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

CONVPROXY = ("{bin}/convproxy --listen {addr} --listen {addr6} --port {port}"
             " --allow 127.0.0.0/8 --allow ::1 --allow 192.0.2.0/25 --allow 192.0.2.128/26 --allow 192.0.2.192/27"
             " --allow 2001:db8:1::/113 --max-sessions 8 --max-pending-per-client 4 --convert-timeout 1000"
             " --connect-timeout 1500")
CONVCLIENT = ("{bin}/convclient --converter {conv_url_host}:{conv_port} --connect-timeout 2000 --reply-timeout 2000"
              " --state-dir {state_dir} {dest} {dest_port}")
CONVERTER_FEATURES = ["mptcp", "info", "ipv6", "tfo", "late-convert"]
CLIENT_FEATURES = ["mptcp", "ipv6"]
CONVERTERS = {"convproxy": "", "convproxy-no-reply": " --fault no-success-reply",
              "convproxy-wrong-reset": " --fault wrong-reset-code"}
CLIENTS = {"convclient": "", "convclient-bytes-to-app": " --fault convert-bytes-to-app"}
# The cells a fault must break: every cell through convproxy-no-reply, every
# cell of convclient-bytes-to-app; wrong-reset-code changes no exchange.
BREAKS_PAIRS = {"convproxy-no-reply", "convclient-bytes-to-app"}
MARKER = "CONVTEST_MATRIX_TEST_MARKER"


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def write_event(folder):
    converters = [{"id": cid, "put": {"name": cid, "spawn": CONVPROXY + fault, "features": CONVERTER_FEATURES}}
                  for cid, fault in CONVERTERS.items()]
    converters[2]["expect"] = "wrong-reset.expect"
    (folder / "wrong-reset.expect").write_text("err-server-rst-96  FAIL  the injected fault wrong-reset-code\n")
    clients = [{"id": cid, "client": {"name": cid, "spawn": CONVCLIENT + fault, "features": CLIENT_FEATURES}}
               for cid, fault in CLIENTS.items()]
    clients[1]["expect"] = "bytes-to-app.expect"
    (folder / "bytes-to-app.expect").write_text(
        "pair:convclient-bytes-to-app:convproxy  FAIL  the injected fault convert-bytes-to-app\n")
    event = {
        "format": "convtest-event", "version": 1, "title": "matrix test event",
        "converters": converters, "clients": clients,
        "profiles": ["none", "mptcp-stripped"],
        "converter_selection": {"case": ["connect-base-ipv4-early-data", "err-server-rst-96"],
                                "dim": ["transport=tcp"]},
        "client_selection": {"case": ["client-reaches-destination-over-each-family"]},
        "pairs": {"request_bytes": 30000, "cell_seconds": 10},
        "seed": 11,
    }
    path = folder / "event.json"
    path.write_text(json.dumps(event, indent=2))
    return path


def run_matrix(convtest, event, out, *extra, wrapper=()):
    env = dict(os.environ, **{MARKER: out.name})
    started = time.monotonic()
    done = subprocess.run([*wrapper, convtest, "matrix", str(event), "--out", str(out), "--jobs", "2", *extra],
                          capture_output=True, text=True, timeout=600, env=env)
    print(f"convtest matrix {' '.join(extra)}: exit {done.returncode} in {time.monotonic() - started:.1f} s")
    return done


def small_event(title, converters, clients, pairs):
    """An event with one catalog case per role: the pair cells are what it tests."""
    return {"format": "convtest-event", "version": 1, "title": title, "converters": converters, "clients": clients,
            "converter_selection": {"case": ["connect-base-ipv4-early-data"], "dim": ["transport=tcp"]},
            "client_selection": {"case": ["client-reaches-destination-over-each-family"], "dim": ["family=v4"]},
            "pairs": pairs}


def run_event(convtest, schemas, folder, name, event, wrapper=()):
    """Writes FOLDER/NAME.json and runs it into FOLDER/NAME: the exit, the
    validated matrix.json and the output folder."""
    path = folder / f"{name}.json"
    path.write_text(json.dumps(event, indent=2))
    out = folder / name
    done = run_matrix(convtest, path, out, wrapper=wrapper)
    check((out / "matrix.json").is_file(), f"{name}: no matrix.json, exit {done.returncode}\n{done.stderr[-3000:]}")
    matrix = json.loads((out / "matrix.json").read_text())
    validate(schemas / "matrix-v1.schema.json", matrix, f"{name} matrix.json")
    return done, matrix, out


def leftover_processes(marker_value):
    """Processes that inherited the marker: anything the matrix started."""
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"{MARKER}={marker_value}".encode() in environ:
            left.append((pid, Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")))
    return left


def validate(schema_path, document, what):
    import jsonschema
    schema = json.loads(Path(schema_path).read_text())
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(document), key=str)
    check(not errors, f"{what} does not validate against {Path(schema_path).name}: {errors[0].message if errors else ''}")


def unit_files(out):
    return sorted(out.glob("runs/*/run.json")) + sorted(out.glob("pairs/*/*/*/cell.json"))


def check_runs_equal_reports(out, matrix):
    for implementation in matrix["implementations"]:
        report = json.loads((out / implementation["report"]).read_text())
        verdicts = {r["id"]: r["verdict"] for r in report["results"]}
        in_matrix = {c["id"]: c["verdicts"][implementation["id"]] for c in matrix["cases"]
                     if implementation["id"] in c["verdicts"]}
        check(verdicts == in_matrix, f"{implementation['id']}: matrix cells {in_matrix} != its report {verdicts}")
        counts = {k: v for k, v in report["summary"]["counts"].items() if v}
        check({k: v for k, v in implementation["counts"].items() if v} == counts,
              f"{implementation['id']}: counts differ from the report")
        check((out / implementation["page"]).is_file(), f"{implementation['id']}: no HTML page")
        check((out / "runs" / implementation["id"] / "junit.xml").is_file(), f"{implementation['id']}: no JUnit")


def check_pairs_equal_cells(out, matrix):
    for pair in matrix["pairs"]:
        cell = json.loads((out / pair["report"]).read_text())
        check(cell["verdict"] == pair["verdict"] and cell["observed"] == pair["observed"],
              f"pair {pair['client']} {pair['converter']} {pair['folder']}: matrix says {pair['verdict']}, "
              f"cell.json {cell['verdict']}")
        check((out / pair["folder"]).is_dir(), f"pair folder {pair['folder']} is missing")
        if cell["verdict"] != "SKIP":
            for name in ("pair.pcap", "client.stdout", "client.stderr", "converter.stderr", "server.log"):
                check((out / pair["folder"] / name).is_file(), f"{pair['folder']}: no {name}")


def expected_pair_verdict(pair):
    broken = pair["client"] in BREAKS_PAIRS or pair["converter"] in BREAKS_PAIRS
    if not broken:
        return "PASS"
    if pair["client"] == "convclient-bytes-to-app" and pair["converter"] == "convproxy":
        return "XFAIL"
    return "FAIL"


def check_verdicts(out, matrix):
    runs = {i["id"]: i for i in matrix["implementations"]}
    for clean in ("convproxy", "convclient"):
        check(runs[clean]["verdict"] == "PASS", f"{clean}: {runs[clean]['verdict']}, {runs[clean]['counts']}")
    case = {c["id"]: c["verdicts"] for c in matrix["cases"]}
    check(case["connect-base-ipv4-early-data[tcp]"]["convproxy-no-reply"] == "FAIL", "no-success-reply did not FAIL")
    rst = [v["convproxy-wrong-reset"] for k, v in case.items() if k.startswith("err-server-rst-96")]
    check(rst and all(v == "XFAIL" for v in rst), f"wrong-reset-code with its expectation: {rst}")
    reach = [v["convclient-bytes-to-app"] for k, v in case.items() if k.startswith("client-reaches-destination")]
    check(reach and all(v == "FAIL" for v in reach), f"convert-bytes-to-app: {reach}")
    check(len(matrix["pairs"]) == 2 * 3 * 2 * 2 * 2, f"{len(matrix['pairs'])} pair cells, expected 48")
    for pair in matrix["pairs"]:
        want = expected_pair_verdict(pair)
        check(pair["verdict"] == want, f"pair {pair['folder']}: {pair['verdict']} ({pair['observed']}), expected {want}")
        if want == "PASS" and pair["transport"] == "mptcp":
            expect = "fell back to TCP" if pair["profile"] == "mptcp-stripped" else "over MPTCP"
            check(expect in pair["observed"], f"pair {pair['folder']}: {pair['observed']!r} lacks {expect!r}")


def check_first_run(convtest, schemas, event, out):
    done = run_matrix(convtest, event, out)
    check(done.returncode == 1, f"exit {done.returncode} (a fault failed: 1 expected)\n{done.stderr[-3000:]}")
    check(done.stderr.count("matrix: [") == 5 + 48, f"progress lines:\n{done.stderr[-2000:]}")
    matrix = json.loads((out / "matrix.json").read_text())
    validate(schemas / "matrix-v1.schema.json", matrix, "matrix.json")
    for unit in unit_files(out):
        validate(schemas / "matrix-unit-v1.schema.json", json.loads(unit.read_text()), str(unit.relative_to(out)))
    check(matrix["event"]["exit_code"] == 1, "matrix.json records another exit code")
    check((out / "index.html").is_file(), "no index.html")
    check_runs_equal_reports(out, matrix)
    check_pairs_equal_cells(out, matrix)
    check_verdicts(out, matrix)
    return matrix


def check_resume(convtest, event, out):
    before = {path: path.stat().st_mtime_ns for path in unit_files(out)}
    done = run_matrix(convtest, event, out, "--resume")
    check(done.returncode == 1, f"--resume: exit {done.returncode}")
    check(done.stderr.count("(kept)") == len(before), f"--resume kept {done.stderr.count('(kept)')} of {len(before)}")
    after = {path: path.stat().st_mtime_ns for path in unit_files(out)}
    check(before == after, "--resume rewrote a finished unit")
    # An incomplete cell (no cell.json) and an incomplete run (no report) run again; nothing else does.
    cell = next(p for p in before if p.name == "cell.json")
    run = next(p for p in before if p.name == "run.json")
    cell.unlink()
    (run.parent / "report.json").unlink()
    done = run_matrix(convtest, event, out, "--resume")
    check(done.returncode == 1, f"second --resume: exit {done.returncode}")
    after = {path: path.stat().st_mtime_ns for path in unit_files(out)}
    changed = {path for path in after if after[path] != before.get(path)}
    check(changed == {cell, run}, f"--resume re-ran {sorted(map(str, changed))}, expected only the two incomplete units")
    check(done.stderr.count("(kept)") == len(before) - 2, "--resume kept a unit it re-ran")
    matrix = json.loads((out / "matrix.json").read_text())
    check(matrix["event"]["runs_kept"] == 4 and matrix["event"]["cells_kept"] == 47, f"kept: {matrix['event']}")
    check_runs_equal_reports(out, matrix)
    check_pairs_equal_cells(out, matrix)


def check_bad_input(convtest, folder):
    bad = folder / "bad-event.json"
    bad.write_text(json.dumps({"format": "convtest-event", "version": 1,
                               "converters": [{"put": {"spawn": "x", "features": ["teleport"]}}]}))
    done = subprocess.run([convtest, "matrix", str(bad), "--out", str(folder / "bad-out")],
                          capture_output=True, text=True, timeout=60)
    lines = done.stderr.strip().splitlines()
    check(done.returncode == 3 and len(lines) == 1 and "\"converters\"[0]" in lines[0] and "teleport" in lines[0],
          f"a bad event file: exit {done.returncode}, said {done.stderr!r}")
    check(not (folder / "bad-out").exists(), "a bad event file still created the output folder")


def check_crash_and_hang(convtest, schemas, folder):
    """A client that hangs and a converter that dies mid-way never pass."""
    plain = CONVPROXY
    converters = [{"id": "convproxy", "put": {"name": "convproxy", "spawn": plain, "features": []}},
                  # killed one second after its start, while the late client is still waiting
                  {"id": "killed", "put": {"name": "killed", "spawn": "timeout -s KILL 1 " + plain, "features": []}}]
    clients = [{"id": "sleeper", "client": {"name": "sleeper", "spawn": "sleep 30", "features": []}},
               {"id": "late", "client": {"name": "late", "features": [],
                                         "spawn": "sh -c 'sleep 1.5; exec \"$0\" \"$@\"' " + CONVCLIENT}}]
    event = small_event("crash and hang", converters, clients, {"request_bytes": 5000, "cell_seconds": 4})
    done, matrix, out = run_event(convtest, schemas, folder, "crash-and-hang", event)
    check(done.returncode == 1, f"crash and hang: exit {done.returncode}\n{done.stderr[-2000:]}")
    cells = {(p["client"], p["converter"], p["family"], p["transport"]): p for p in matrix["pairs"]}
    for (client, converter, family, transport), pair in cells.items():
        if (family, transport) != ("v4", "tcp"):
            check(pair["verdict"] == "SKIP", f"{pair['folder']}: {pair['verdict']}, undeclared variant not skipped")
            continue
        if client == "sleeper":
            check(pair["verdict"] == "FAIL" and "the client hung" in pair["observed"], f"sleeper: {pair}")
        elif converter == "killed":
            check(pair["verdict"] == "FAIL" and "the converter stopped" in pair["observed"], f"killed: {pair}")
        else:
            check(pair["verdict"] == "PASS", f"late client through convproxy: {pair}")
    left = leftover_processes(out.name)
    check(not left, f"processes left behind by the crash-and-hang event: {left}")


def check_interrupt(convtest, schemas, folder):
    """Ctrl-C after the first pair cell: the matrix stops, writes matrix.json
    with what did not run marked, exits 2, leaves no process; --resume runs
    only what is missing."""
    converters = [{"id": "convproxy", "put": {"name": "convproxy", "spawn": CONVPROXY, "features": CONVERTER_FEATURES}}]
    clients = [{"id": "convclient", "client": {"name": "convclient", "spawn": CONVCLIENT, "features": CLIENT_FEATURES}}]
    event = small_event("interrupted", converters, clients, {"request_bytes": 5000, "cell_seconds": 8})
    path = folder / "interrupted.json"
    path.write_text(json.dumps(event, indent=2))
    out = folder / "interrupted"
    env = dict(os.environ, **{MARKER: out.name})
    matrix_process = subprocess.Popen([convtest, "matrix", str(path), "--out", str(out), "--jobs", "1"],
                                      stderr=subprocess.PIPE, text=True, env=env)
    lines = []
    deadline = time.monotonic() + 300
    for line in matrix_process.stderr:
        lines.append(line)
        if "] pair " in line or time.monotonic() > deadline:
            break
    matrix_process.send_signal(signal.SIGINT)
    try:
        rest, _ = matrix_process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        matrix_process.kill()
        raise Failure("convtest matrix did not end within 60 s of Ctrl-C")
    check(matrix_process.returncode == 2, f"interrupted matrix: exit {matrix_process.returncode}\n{''.join(lines)}{rest}")
    matrix = json.loads((out / "matrix.json").read_text())
    validate(schemas / "matrix-v1.schema.json", matrix, "interrupted matrix.json")
    check(matrix["event"]["interrupted"] is True, f"matrix.json does not say it was interrupted: {matrix['event']}")
    missing = [p for p in matrix["pairs"] if "--resume runs it" in p["observed"]]
    check(missing and all(p["verdict"] == "INCONCLUSIVE" for p in missing),
          f"the cells Ctrl-C left out are not marked: {[(p['folder'], p['verdict']) for p in matrix['pairs']]}")
    check(not leftover_processes(out.name), f"processes left after Ctrl-C: {leftover_processes(out.name)}")
    done = run_matrix(convtest, path, out, "--resume")
    matrix = json.loads((out / "matrix.json").read_text())
    check(done.returncode == 0 and matrix["event"]["interrupted"] is False and matrix["event"]["cells_kept"] >= 1
          and all(p["verdict"] == "PASS" for p in matrix["pairs"]),
          f"--resume after Ctrl-C: exit {done.returncode}, {matrix['event']}, "
          f"{[(p['folder'], p['verdict']) for p in matrix['pairs']]}")


def sh(*argv):
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    check(done.returncode == 0, f"{' '.join(argv)}: {done.stderr.strip()}")


def make_box(box, device, harness_end, harness, host, tcp_fastopen):
    """A box on a veth link to the harness's namespace, as docs/remote-put.md
    configures one: 192.0.2.HOST and 2001:db8:1::HOST, the servers through
    the harness's gateway, full checksums on what it sends."""
    sh("ip", "-n", box, "link", "add", device, "type", "veth", "peer", "name", harness_end, "netns", harness)
    sh("ip", "netns", "exec", box, "sysctl", "-qw", f"net.ipv4.tcp_fastopen={tcp_fastopen}")
    sh("ip", "-n", box, "addr", "add", f"192.0.2.{host}/24", "dev", device)
    sh("ip", "-n", box, "addr", "add", f"2001:db8:1::{host}/64", "dev", device, "nodad")
    sh("ip", "-n", box, "link", "set", device, "up")
    sh("ip", "-n", box, "route", "add", "198.51.100.0/24", "via", "192.0.2.254")
    sh("ip", "-n", box, "route", "add", "2001:db8:2::/64", "via", "2001:db8:1::fe")
    sh("ip", "netns", "exec", box, "ethtool", "-K", device, "tx", "off")


def make_placed_converters(tag, convproxy):
    """A converter in a namespace of its own (netns mode) and one on a "box"
    behind a veth link (remote mode, configured as docs/remote-put.md says),
    both started here, not by the harness; the harness's end of the link is
    in a namespace of its own, where the matrix runs."""
    ns, box, client_box, harness = f"ct-pn-{tag}", f"ct-pb-{tag}", f"ct-pc-{tag}", f"ct-ph-{tag}"
    for name in (ns, box, client_box, harness):
        sh("ip", "netns", "add", name)
        sh("ip", "-n", name, "link", "set", "lo", "up")
    # The converter's box, and the client's box (the client role) on a second link.
    make_box(box, "ct-box", "ct-harness", harness, "1", "0x203")
    make_box(client_box, "ct-cbox", "ct-charness", harness, "100", "5")
    for end in ("ct-harness", "ct-charness"):
        sh("ip", "netns", "exec", harness, "sysctl", "-qw", f"net.ipv6.conf.{end}.disable_ipv6=1")
        sh("ip", "-n", harness, "link", "set", end, "up")
    command = convproxy.replace("--listen {addr} --listen {addr6}", "--listen any").replace("{port}", "5124")
    processes = [subprocess.Popen(["ip", "netns", "exec", name, *command.split()],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for name in (ns, box)]
    return (ns, box, client_box, harness), processes


def remove_placed_converters(namespaces, processes):
    for process in processes:
        process.kill()
        process.wait(timeout=10)
    for name in namespaces:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=30)


def check_placed_converters(convtest, schemas, folder):
    """Pair cells through converters the harness does not start (netns and
    remote mode), from a local client and from a client on a box of its own,
    pass end to end; a converter that stops serving never passes."""
    bin_dir = str(Path(convtest).resolve().parent)
    namespaces, processes = make_placed_converters(uuid.uuid4().hex[:6], CONVPROXY.replace("{bin}", bin_dir))
    ns, _, client_box, harness = namespaces
    try:
        time.sleep(1)  # both convproxy processes listen
        # The client ends the converter in netns mode after its pair exchange
        # (not in its own catalog run, whose server port is 80).
        killer = ("sh -c 'port=$1; shift; \"$0\" \"$@\"; status=$?; "
                  f"[ \"$port\" = 8080 ] && kill -KILL {processes[0].pid}; exit $status' "
                  "{bin}/convclient {dest_port}" + CONVCLIENT[len("{bin}/convclient"):])
        placed = [{"id": "in-netns", "put": {"name": "in-netns", "mode": "netns", "netns": f"/run/netns/{ns}",
                                               "features": CONVERTER_FEATURES}},
                  {"id": "on-a-box", "put": {"name": "on-a-box", "mode": "remote", "iface": "ct-harness",
                                               "features": CONVERTER_FEATURES}}]
        clients = [{"id": "convclient", "client": {"name": "convclient", "spawn": CONVCLIENT,
                                                   "features": CLIENT_FEATURES}},
                   {"id": "client-on-a-box", "remote": {"iface": "ct-charness"},
                    "client": {"name": "client-on-a-box", "spawn": f"ip netns exec {client_box} " + CONVCLIENT,
                               "features": CLIENT_FEATURES}}]
        event = small_event("placed converters", placed, clients, {"request_bytes": 20000, "cell_seconds": 8})
        validate(schemas / "event-v1.schema.json", event, "the placed event file (with a client box)")
        in_harness = ("ip", "netns", "exec", harness)
        done, matrix, out = run_event(convtest, schemas, folder, "placed", event, in_harness)
        check(done.returncode == 0, f"placed converters: exit {done.returncode}\n{done.stderr[-3000:]}")
        check(len(matrix["pairs"]) == 2 * 2 * 2 * 2, f"{len(matrix['pairs'])} pair cells, expected 16")
        check(all(i["counts"]["PASS"] == 1 for i in matrix["implementations"]),
              f"placed catalog runs: {[(i['id'], i['counts']) for i in matrix['implementations']]}")
        for pair in matrix["pairs"]:
            check(pair["verdict"] == "PASS", f"placed {pair['folder']}: {pair['verdict']} ({pair['observed']})")
            if pair["transport"] == "mptcp":
                check("over MPTCP" in pair["observed"], f"placed {pair['folder']}: {pair['observed']!r}")
            check((out / pair["folder"] / "pair.pcap").stat().st_size > 24, f"{pair['folder']}: empty pcap")

        event["clients"] = [{"id": "killer", "client": {"name": "killer", "spawn": killer,
                                                        "features": CLIENT_FEATURES}}]
        event["converters"] = placed[:1]
        event["pairs"].update({"families": ["v4"], "transports": ["tcp"]})
        done, matrix, _ = run_event(convtest, schemas, folder, "placed-killed", event, in_harness)
        pair = matrix["pairs"][0]
        check(done.returncode == 1 and pair["verdict"] == "FAIL" and "no longer accepts connections" in pair["observed"],
              f"a netns converter killed after the exchange: exit {done.returncode}, {pair}")
        check(processes[0].poll() is not None, "the killer client did not end the converter")
    finally:
        remove_placed_converters(namespaces, processes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--convtest", required=True)
    parser.add_argument("--schemas", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("matrix_event_test: FAILED: needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN for namespaces and TUN "
              "devices); run the integration tests as root", file=sys.stderr)
        return 1
    started = time.monotonic()
    folder = args.out.resolve()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    out = folder / f"event-{uuid.uuid4().hex[:8]}"
    try:
        event = write_event(folder)
        validate(args.schemas / "event-v1.schema.json", json.loads(event.read_text()), "the event file")
        check_bad_input(args.convtest, folder)
        check_first_run(args.convtest, args.schemas, event, out)
        check_resume(args.convtest, event, out)
        check_crash_and_hang(args.convtest, args.schemas, folder)
        check_placed_converters(args.convtest, args.schemas, folder)
        check_interrupt(args.convtest, args.schemas, folder)
        left = leftover_processes(out.name)
        check(not left, f"processes left behind: {left}")
        (folder / "event").unlink(missing_ok=True)
        (folder / "event").symlink_to(out.name)  # a stable name for the browser test
    except Failure as failure:
        print(f"matrix_event_test: FAILED: {failure}", file=sys.stderr)
        return 1
    print(f"matrix_event_test: passed in {time.monotonic() - started:.1f} s; output in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
