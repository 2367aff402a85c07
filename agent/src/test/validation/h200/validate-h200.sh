#!/usr/bin/env bash
# flopwatch's validation on a real H200 (issue 10; docs/validation/README.md).
#
#   validate-h200.sh prepare            here, before spending device time: build the jar, jlink a
#                                       Java runtime, put both in .device/ (git-ignored), print
#                                       its size and the device `run` command to use
#   validate-h200.sh --dry-run [--out DIR]
#                                       here: the whole script against flopwatch's simulated NVML
#                                       library, a fake trainer and fake phases (no GPU, no torch)
#   validate-h200.sh [--out DIR]        on the device machine: real NVML, PyTorch, the runtime and
#                                       jar from .device/
#
# Outputs go to DIR (default $OUT, else ./validation-out): raw files, summary.json, summary.md.
# Exit status: 0 all comparisons agree; 1 a disagreement or a failed step; 2 bad usage / setup.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(cd "$here/../../../../.." && pwd)
device_dir=$repo/.device
# Throughput source of step 2: `log` (tail the trainer's nanoGPT log) where the agent has it.
throughput=${FLOPWATCH_VALIDATION_THROUGHPUT:-push}
# Modules the jar needs (jdeps on flopwatch.jar and its dependencies, checked by `prepare`).
jlink_modules=${FLOPWATCH_JLINK_MODULES:-java.base,java.desktop,java.naming,java.net.http,java.sql,jdk.management,jdk.httpserver,jdk.crypto.ec,java.logging}

prepare() {
  cd "$repo"
  echo "prepare: building the jar (mvn -o -DskipTests package)" >&2
  mvn -B -q -o -DskipTests package >&2 || mvn -B -q -DskipTests package >&2
  rm -rf "$device_dir/jre" "$device_dir/flopwatch.jar"
  mkdir -p "$device_dir"
  cp agent/target/flopwatch.jar "$device_dir/flopwatch.jar"
  local jlink=jlink
  [[ -n ${JAVA_HOME:-} ]] && jlink=$JAVA_HOME/bin/jlink
  "$jlink" --add-modules "$jlink_modules" --strip-debug --no-header-files --no-man-pages \
    --compress=2 --output "$device_dir/jre" 2>&1 | grep -v 'compress' >&2 || true
  [[ -x $device_dir/jre/bin/java ]] || { echo "prepare: jlink failed" >&2; exit 2; }
  # The jlinked runtime must run the jar: start it once on the simulated library.
  FLOPWATCH_JAR=$device_dir/flopwatch.jar JAVA_HOME=$device_dir/jre "$repo/flopwatch" doctor --simulate >/dev/null
  echo "prepare: .device/ holds $(du -sh "$device_dir" | cut -f1) ($(du -sh "$device_dir/jre" | cut -f1) runtime, $(du -sh "$device_dir/flopwatch.jar" | cut -f1) jar); limit of a device call: 64 MiB with the working tree" >&2
  echo "prepare: working tree that travels (tracked + untracked, not ignored): $(git ls-files -co --exclude-standard -z | du -ch --files0-from=- | tail -1 | cut -f1)" >&2
  cat <<EOF
device run command (one call, carry the runtime and the jar):
  run(command="set -o pipefail; PYTHONUNBUFFERED=1 timeout 540 agent/src/test/validation/h200/validate-h200.sh --out \$OUT 2>&1 | tee \$OUT/console.log",
      carry=[".device"], timeout_s=600)
EOF
}

mode=real
out=${OUT:-$PWD/validation-out}
case ${1:-} in
  prepare) prepare; exit 0 ;;
esac
while [[ $# -gt 0 ]]; do
  case $1 in
    --dry-run) mode=dry; shift ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "validate-h200.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Kill whatever we started (validate.py runs its children in their own process groups and
# cleans them up itself; this covers validate.py).
child=
cleanup() { [[ -n $child ]] && kill "$child" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
trap 'cleanup; exit 143' TERM INT

args=(--out "$out" --flopwatch "$repo/flopwatch" --throughput "$throughput")
if [[ $mode == dry ]]; then
  pkgs=${FLOPWATCH_TEST_PACKAGES:-$HOME/.cache/flopwatch/test-packages/root}
  pynvml_dir=$pkgs/usr/lib/python3/dist-packages
  sim_lib=$repo/native-bindings/target/classes/linux-x86-64/libnvidia-ml-sim.so
  if [[ -f $device_dir/flopwatch.jar && -x $device_dir/jre/bin/java ]]; then
    export FLOPWATCH_JAR=$device_dir/flopwatch.jar JAVA_HOME=$device_dir/jre
  fi
  [[ -f $sim_lib ]] || (cd "$repo" && mvn -B -q -o -DskipTests package >&2)
  [[ -f $pynvml_dir/pynvml.py ]] || { echo "validate-h200.sh: Debian's pynvml not under $pynvml_dir (.ci/fetch-test-packages.sh)" >&2; exit 2; }
  command -v python3 >/dev/null || { echo "validate-h200.sh: python3 not found" >&2; exit 2; }
  args+=(--dry-run --sim-lib "$sim_lib" --pynvml "$pynvml_dir")
else
  [[ -f $device_dir/flopwatch.jar && -x $device_dir/jre/bin/java ]] ||
    { echo "validate-h200.sh: .device/flopwatch.jar and .device/jre missing: run 'validate-h200.sh prepare' here and carry .device" >&2; exit 2; }
  export FLOPWATCH_JAR=$device_dir/flopwatch.jar JAVA_HOME=$device_dir/jre
fi

echo "validate-h200.sh: mode $mode, outputs in $out, throughput source $throughput" >&2
python3 "$here/validate.py" "${args[@]}" &
child=$!
set +e
wait "$child"
status=$?
child=
exit $status
