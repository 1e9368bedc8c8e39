#!/usr/bin/env python3
"""scripts/repeat-runs.sh's verdict table: WORK holds catalog.json and
run-N.json for N in 1..RUNS. One verdict sequence per case; everything but
all-PASS (or all-SKIP for a profile-scoped case) is reported."""
import json, sys, collections
work, runs = sys.argv[1], int(sys.argv[2])
catalog = {spec["id"]: spec for spec in json.load(open(f"{work}/catalog.json"))}
history = collections.defaultdict(list)
for run in range(1, runs + 1):
    try:
        report = json.load(open(f"{work}/run-{run}.json"))
    except (OSError, ValueError) as error:
        print(f"run {run}: no report ({error}); see {work}/run-{run}.log")
        sys.exit(1)
    # The report keeps them in its summary (reports/schema/report-v1.schema.json).
    for problem in report.get("summary", {}).get("environment_problems", []):
        print(f"run {run}: environment problem: {problem}")
    seen = set()
    for result in report["results"]:
        history[result["id"]].append(result["verdict"])
        seen.add(result["id"])
    for case_id in catalog.keys() - seen:
        history[case_id].append("MISSING")
flaky, failing = [], []
for case_id, verdicts in sorted(history.items()):
    scoped = catalog.get(case_id, {}).get("profile", "any") != "any"
    # A stable WARN is a SHOULD the converter does not meet (convproxy's are
    # documented in docs/convproxy.md): reported, not a failure of the suite.
    # UNSUPPORTED: a feature the target does not declare (convclient sends no Info).
    good = {"PASS", "WARN", "SKIP", "UNSUPPORTED"} if scoped else {"PASS", "WARN", "UNSUPPORTED"}
    if len(set(verdicts)) > 1:
        flaky.append((case_id, verdicts))
    elif verdicts[0] not in good:
        failing.append((case_id, verdicts))
warned = [case_id for case_id, verdicts in history.items() if set(verdicts) == {"WARN"}]
print(f"repeat-runs: {len(history)} cases x {runs} runs: {len(failing)} not passing, {len(flaky)} flaky, "
      f"{len(warned)} stable WARN ({', '.join(sorted(warned)) or 'none'})")
for case_id, verdicts in failing:
    print(f"  not passing: {case_id}: {verdicts[0]} in every run")
for case_id, verdicts in flaky:
    print(f"  flaky: {case_id}: {' '.join(verdicts)}")
sys.exit(1 if failing or flaky else 0)
