#!/usr/bin/env bash
# flopwatch's validation on a real H200 (issue 10; docs/validation/README.md).
#
#   validate-h200.sh prepare            here, before spending device time: build the jar, jlink a
#                                       Java runtime, put both in .device/ (git-ignored), print
#                                       its size and the device `run` command to use
#   validate-h200.sh --dry-run [--out DIR]
#                                       here: the whole script against flopwatch's simulated NVML
#                                       library, a fake trainer and fake phases (no GPU, no torch)
#   validate-h200.sh [--out DIR] [--pack]
#                                       on the device machine: real NVML, PyTorch, the runtime and
#                                       jar from .device/
#
# Outputs go to DIR (default $OUT, else ./validation-out): summary.json, summary.md and the raw
# files under raw/ (with --pack: one raw.tar.gz instead, for the device's 8-file limit).
# Exit status: 0 all comparisons agree; 1 a disagreement or a failed step; 2 bad usage / setup.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(cd "$here/../../../../.." && pwd)
device_dir=$repo/.device
# Throughput source of step 2: `log` (tail the trainer's nanoGPT log); `push` (the trainer's POSTs).
throughput=${FLOPWATCH_VALIDATION_THROUGHPUT:-log}
# jdeps --print-module-deps on the jar says java.base, java.desktop, java.naming, java.net.http,
# java.sql, jdk.httpserver, jdk.management, jdk.unsupported; jdk.crypto.ec for TLS with EC keys.
jlink_modules=${FLOPWATCH_JLINK_MODULES:-java.base,java.desktop,java.naming,java.net.http,java.sql,jdk.management,jdk.httpserver,jdk.crypto.ec,java.logging,jdk.unsupported}
# A device call carries at most 64 MiB, working tree included: the runtime travels as a gzipped
# tarball (libjvm.so alone is 24 MB) and the jar without JNA's natives for other platforms (the
# device is x86-64 Linux).
limit_bytes=$((64 * 1024 * 1024))

jre_dir() { echo "${TMPDIR:-/tmp}/flopwatch-validation-jre"; }

# Unpacks .device/jre.tar.gz once (into $TMPDIR) and prints the runtime's JAVA_HOME.
unpack_jre() {
  local dir
  dir=$(jre_dir)
  if [[ ! -x $dir/bin/java || $device_dir/jre.tar.gz -nt $dir/bin/java ]]; then
    rm -rf "$dir" && mkdir -p "$dir"
    tar -C "$dir" -xzf "$device_dir/jre.tar.gz"
  fi
  echo "$dir"
}

prepare() {
  cd "$repo"
  echo "prepare: building the jar (mvn -o -DskipTests package)" >&2
  mvn -B -q -o -DskipTests package >&2 || mvn -B -q -DskipTests package >&2
  rm -rf "$device_dir/jre" "$device_dir/jre.tar.gz" "$device_dir/flopwatch.jar"
  mkdir -p "$device_dir"
  cp agent/target/flopwatch.jar "$device_dir/flopwatch.jar"
  local others
  others=$(unzip -Z1 "$device_dir/flopwatch.jar" 'com/sun/jna/*/*' | grep -v '^com/sun/jna/linux-x86-64/' | grep -v '\.class$' || true)
  if [[ -n $others ]]; then
    printf '%s\n' "$others" | zip -q -d "$device_dir/flopwatch.jar" -@ >/dev/null
  fi
  local jlink=jlink tmp
  [[ -n ${JAVA_HOME:-} ]] && jlink=$JAVA_HOME/bin/jlink
  tmp=$(mktemp -d)
  "$jlink" --add-modules "$jlink_modules" --strip-debug --no-header-files --no-man-pages \
    --compress=2 --output "$tmp/jre" 2>&1 | grep -v 'compress' >&2 || true
  [[ -x $tmp/jre/bin/java ]] || { echo "prepare: jlink failed" >&2; rm -rf "$tmp"; exit 2; }
  tar -C "$tmp/jre" -czf "$device_dir/jre.tar.gz" .
  rm -rf "$tmp"
  # The carried runtime must run the carried jar: unpack it as the device will, start it once.
  local java_home
  java_home=$(unpack_jre)
  FLOPWATCH_JAR=$device_dir/flopwatch.jar JAVA_HOME=$java_home "$repo/flopwatch" doctor --simulate >/dev/null
  local carried tree total
  carried=$(du -sb "$device_dir" | cut -f1)
  tree=$(git ls-files -co --exclude-standard -z | du -cb --files0-from=- | tail -1 | cut -f1)
  total=$((carried + tree))
  echo "prepare: .device/ holds $carried bytes (runtime tarball $(du -b "$device_dir/jre.tar.gz" | cut -f1), jar $(du -b "$device_dir/flopwatch.jar" | cut -f1)); working tree $tree bytes; together $total of $limit_bytes" >&2
  if ((total > limit_bytes)); then
    echo "prepare: too large for one device call" >&2
    exit 2
  fi
  cat <<EOF
device run command (one call, carry the runtime and the jar):
  run(command="set -o pipefail; PYTHONUNBUFFERED=1 timeout 540 agent/src/test/validation/h200/validate-h200.sh --pack --out \$OUT 2>&1 | tee \$OUT/console.log",
      carry=[".device"], timeout_s=600)
EOF
}

mode=real
pack=
out=${OUT:-$PWD/validation-out}
case ${1:-} in
  prepare) prepare; exit 0 ;;
esac
while [[ $# -gt 0 ]]; do
  case $1 in
    --dry-run) mode=dry; shift ;;
    --out) out=$2; shift 2 ;;
    --pack) pack=yes; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "validate-h200.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Kill whatever we started (validate.py runs its children in their own process groups and
# cleans them up itself; this covers validate.py).
child=
cleanup() { [[ -n $child ]] && kill "$child" 2>/dev/null; wait 2>/dev/null || true; }
pack_outputs() {
  if [[ -n $pack && -d $out/raw ]]; then
    # The device call returns at most 8 files: the raw outputs travel as one archive.
    tar -C "$out" -czf "$out/raw.tar.gz" raw && rm -rf "$out/raw"
  fi
}
trap cleanup EXIT
# On TERM (the device command's timeout), validate.py stops, writes what it has, and we pack it.
trap 'cleanup; child=; pack_outputs; exit 143' TERM INT

args=(--out "$out" --flopwatch "$repo/flopwatch" --throughput "$throughput")
if [[ $mode == dry ]]; then
  pkgs=${FLOPWATCH_TEST_PACKAGES:-$HOME/.cache/flopwatch/test-packages/root}
  pynvml_dir=$pkgs/usr/lib/python3/dist-packages
  sim_lib=$repo/native-bindings/target/classes/linux-x86-64/libnvidia-ml-sim.so
  stale=
  if [[ -f $device_dir/flopwatch.jar ]]; then
    stale=$(find "$repo/pom.xml" "$repo/native-bindings/src/main" "$repo/agent/src/main" "$repo/config" \
                 -newer "$device_dir/flopwatch.jar" -type f -print -quit 2>/dev/null)
    [[ -n $stale ]] && echo "validate-h200.sh: .device/flopwatch.jar is older than $stale: using the launcher's own build (run prepare again before a device call)" >&2
  fi
  if [[ -z $stale && -f $device_dir/flopwatch.jar && -f $device_dir/jre.tar.gz ]]; then
    # What prepare made for the device: the dry run checks it too.
    FLOPWATCH_JAR=$device_dir/flopwatch.jar JAVA_HOME=$(unpack_jre)
    export FLOPWATCH_JAR JAVA_HOME
  fi
  [[ -f $sim_lib ]] || (cd "$repo" && mvn -B -q -o -DskipTests package >&2)
  [[ -f $pynvml_dir/pynvml.py ]] || { echo "validate-h200.sh: Debian's pynvml not under $pynvml_dir (.ci/fetch-test-packages.sh)" >&2; exit 2; }
  command -v python3 >/dev/null || { echo "validate-h200.sh: python3 not found" >&2; exit 2; }
  args+=(--dry-run --sim-lib "$sim_lib" --pynvml "$pynvml_dir")
else
  [[ -f $device_dir/flopwatch.jar && -f $device_dir/jre.tar.gz ]] ||
    { echo "validate-h200.sh: .device/flopwatch.jar and .device/jre.tar.gz missing: run 'validate-h200.sh prepare' here and carry .device" >&2; exit 2; }
  FLOPWATCH_JAR=$device_dir/flopwatch.jar JAVA_HOME=$(unpack_jre)
  export FLOPWATCH_JAR JAVA_HOME
  # flopwatch loads libnvidia-ml.so.1 through the dynamic loader; where the driver's folder is
  # not in its search path, name the file (docs/configuration.md: FLOPWATCH_NVML_LIBRARY).
  if [[ -z ${FLOPWATCH_NVML_LIBRARY:-} ]] && ! ldconfig -p 2>/dev/null | grep -q 'libnvidia-ml\.so\.1'; then
    for f in /usr/local/nvidia/lib64/libnvidia-ml.so.1 /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1; do
      [[ -f $f ]] && { export FLOPWATCH_NVML_LIBRARY=$f; break; }
    done
  fi
  echo "validate-h200.sh: NVML library: ${FLOPWATCH_NVML_LIBRARY:-libnvidia-ml.so.1 from the loader path}; python3: $(command -v python3)" >&2
fi

echo "validate-h200.sh: mode $mode, outputs in $out, throughput source $throughput" >&2
python3 "$here/validate.py" "${args[@]}" &
child=$!
set +e
wait "$child"
status=$?
child=
pack_outputs
exit $status
