#!/usr/bin/env bash
# Regenerates the real reports the HTML tests render: convproxy, convproxy
# with two faults (FAIL and UNSUPPORTED verdicts), and convclient. Root (the
# lab), a few seconds. Usage: regenerate.sh BUILD_BIN_DIR
# The reports are kept as they come out except two things that tell only of
# the machine that made them: the kernel line and the binary directory.
set -euo pipefail
bin=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
selection=(-r CONV-043,CONV-044,CONV-045)
"$bin/convtest" run "${selection[@]}" --report out/convproxy.json --seed 7 --progress none >/dev/null
target=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["provenance"]["put"]["target"])' out/convproxy.json)
"$bin/convtest" run "${selection[@]}" --spawn "$target --fault wrong-reset-code --fault silent-network-failure" \
  --features mptcp,cookie,info,ipv6,tfo --report out/convproxy-faulty.json --seed 7 --progress none >/dev/null || true
"$bin/convtest" run --role client -s 6.2.7,6.2.8 --report out/convclient.json --seed 7 --progress none >/dev/null
for name in convproxy convproxy-faulty convclient; do
  python3 - "$bin" out/$name.json "$here/$name.json" <<'PY'
import json, sys
bin_dir, source, target = sys.argv[1:]
text = open(source).read().replace(bin_dir + "/", "{bin}/")
report = json.loads(text)
report["provenance"]["kernel"] = "Linux"
with open(target, "w") as out:
    json.dump(report, out, indent=2, sort_keys=True)
    out.write("\n")
PY
done
echo "regenerate: wrote convproxy.json convproxy-faulty.json convclient.json in $here"
