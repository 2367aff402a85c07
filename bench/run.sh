#!/usr/bin/env bash
# flopwatch benchmarks (issue 8): every comparison runs both sides in this one invocation,
# alternating round by round, and reports medians and ratios. Results: docs/BENCHMARKS.md.
#
# Usage: bench/run.sh [--quick] [--duration SECONDS] [--only SECTIONS]
#   --quick        fewer rounds, 25 s overhead windows, short scrape windows (about 15 minutes)
#   --duration S   the agent-overhead window (default 120; --quick 25)
#   --only LIST    comma list of sections: sample,overhead,scrape,logs,startup,scaling
# Needs: the built jar (built here when missing), python3, curl, grep, and the Debian test
# packages (.ci/fetch-test-packages.sh: pynvml, prometheus-node-exporter).
# Raw key=value results go to bench/target/results.txt, the tables to bench/target/BENCHMARKS-run.md.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

quick=
duration=
only=sample,overhead,scrape,logs,startup,scaling
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=yes ;;
    --duration) duration=$2; shift ;;
    --only) only=$2; shift ;;
    *) echo "usage: bench/run.sh [--quick] [--duration SECONDS] [--only SECTIONS]" >&2; exit 2 ;;
  esac
  shift
done
if [[ -n $quick ]]; then
  rounds=3; samples=2000; warmup=10000; duration=${duration:-25}; scrape_s=5; paced_s=30; log_lines=300000; startup_rounds=3
else
  rounds=7; samples=5000; warmup=20000; duration=${duration:-120}; scrape_s=20; paced_s=60; log_lines=2000000; startup_rounds=7
fi
want() { [[ ,$only, == *,$1,* ]]; }

pkgs=$(bash .ci/fetch-test-packages.sh) || { echo "bench: test packages missing (.ci/fetch-test-packages.sh)" >&2; exit 1; }
jar=agent/target/flopwatch.jar
if [[ ! -f $jar ]]; then mvn -B -q -o -DskipTests package || mvn -B -q -DskipTests package; fi
out=bench/target
rm -rf "$out/classes"; mkdir -p "$out/classes" "$out/run"
cc -O2 -I "$pkgs/usr/include" -o "$out/native_floor" bench/native_floor.c -ldl
javac -d "$out/classes" -cp "$jar" bench/src/io/flopwatch/bench/*.java
sim_lib=native-bindings/target/classes/linux-x86-64/libnvidia-ml-sim.so
[[ -f $sim_lib ]] || { echo "bench: $sim_lib not built" >&2; exit 1; }
demo=config/scenarios/demo-8x-h100-training.scenario
node_exporter=$pkgs/usr/bin/prometheus-node-exporter
# The launcher's JVM flags (./flopwatch), for the sides that run a class of the jar rather
# than the agent; the agent itself is started through the launcher, as users run it.
jvm_flags=$(sed -n '/^jvm_flags=(/,/^)/p' flopwatch | grep -oE '(^| )-[XD][^ ]*' | tr -d ' ' | tr '\n' ' ')
[[ -n $jvm_flags ]] || { echo "bench: no jvm_flags=( ... ) block in ./flopwatch" >&2; exit 1; }
# Its class-data sharing archive (FLOPWATCH_CDS), kept apart from the user's own cache.
export FLOPWATCH_JAR=$here/$jar FLOPWATCH_CDS_DIR=$here/$out/cds
bench_cp="$jar:$out/classes"
results=$out/results.txt
: > "$results"
note() { echo "$*" | tee -a "$results"; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

note "machine nproc=$(nproc) cpu=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)\" jdk=\"$(java -version 2>&1 | head -1 | tr -d '"')\" python=\"$(python3 -V)\" quick=${quick:-no}"
note "jvm_flags $jvm_flags"
# The archive the launcher uses, made once here (as systemd/install.sh does at install time).
rm -rf "$out/cds"
if want overhead || want scrape || want startup || want scaling; then
  FLOPWATCH_CDS=create ./flopwatch >&2 || echo "bench: no class-data archive; the agent runs without" >&2
fi

# scenario DEVICES PROCESSES: a generated scenario file (bench/make_scenario.py)
scenario() {
  local f=$out/run/sim-$1gpu-$2proc.scenario
  [[ -f $f ]] || python3 bench/make_scenario.py "$demo" "$1" "$2" > "$f"
  echo "$here/$f"
}

# agent_config PORT INTERVAL SCENARIO: 4 workloads with a fixed rate on 2 GPUs each (or all
# GPUs when fewer than 8), log lines as JSON to a file, every collector on.
agent_config() {
  local f=$out/run/agent-$1.yaml i gpus
  {
    printf 'web:\n  listen_address: 127.0.0.1:%s\nsampling:\n  interval: %s\n  simulate: %s\n' "$1" "$2" "$3"
    printf 'exporters:\n  log:\n    format: json\n    file: %s/%s/run/agent-%s.jsonl\nworkloads:\n' "$here" "$out" "$1"
    for i in 0 1 2 3; do
      if [[ $(grep -c '^device' "$3") -ge 8 ]]; then gpus="[$((2 * i)), $((2 * i + 1))]"; else gpus=all; fi
      printf '  - name: job%s\n    model: llama-3-8b\n    mode: train\n    seq_len: 8192\n    precision: bf16\n    gpus: %s\n    throughput:\n      source: fixed\n      tokens_per_second: 20000\n      window: 10s\n' "$i" "$gpus"
    done
  } > "$f"
  echo "$f"
}

# start_agent PORT INTERVAL SCENARIO [EXTRA_JVM_FLAGS] [CDS]: prints the JVM's pid. The
# launcher execs the JVM, so the pid is the JVM's; CDS is its FLOPWATCH_CDS (default: use the
# archive bench/run.sh made first, as an installed agent does).
start_agent() {
  local cfg
  cfg=$(agent_config "$1" "$2" "$3")
  FLOPWATCH_CDS=${5:-auto} FLOPWATCH_JAVA_OPTS=${4:-} ./flopwatch run --config "$cfg" > "$out/run/agent-$1.out" 2>&1 &
  echo $!
}
start_node_exporter() {
  "$node_exporter" --web.listen-address="127.0.0.1:$1" > "$out/run/node-exporter-$1.out" 2>&1 &
  echo $!
}
# wait_data URL: until a scrape answers with data (the agent: a GPU up)
wait_data() {
  local i
  for i in $(seq 1 600); do
    if curl -fsS "$1" 2>/dev/null | grep -qE '^(flopwatch_gpu_up\{.*\} 1|node_cpu_seconds_total)'; then return 0; fi
    sleep 0.05
  done
  echo "bench: no data from $1" >&2; return 1
}
# cpu_ticks PID: utime+stime (clock ticks) from /proc/PID/stat
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
tck=$(getconf CLK_TCK)

# ---- 1. cost per sample ------------------------------------------------------------------
if want sample; then
  echo "== cost per sample: 8 simulated GPUs, flopwatch (C reader; JNA path) vs pynvml, $rounds alternating rounds" >&2
  export FLOPWATCH_SIM_CLOCK=frozen:5
  # The JVM's process CPU clock ticks in 10 ms steps here; with the C sample reader a sample
  # costs ~10 µs, so its sides take 20x the samples to keep that step under 0.25 µs a sample.
  reader_samples=$((samples * 20))
  for r in $(seq 1 "$rounds"); do
    # shellcheck disable=SC2086
    note "sample round=$r $(java $jvm_flags -cp "$bench_cp" io.flopwatch.bench.SampleCost "$demo" "$warmup" "$reader_samples")"
    # The same reads with the JVM's default JIT (C2), to show what the launcher's C1-only flag costs here.
    note "sample round=$r $(java -XX:+UseSerialGC -cp "$bench_cp" io.flopwatch.bench.SampleCost "$demo" "$warmup" "$reader_samples" flopwatch-c2)"
    # The launcher's JVM with the C sample reader switched off: the pure JNA path (the "before").
    # shellcheck disable=SC2086
    note "sample round=$r $(java $jvm_flags -Dflopwatch.nvmlReader=off -cp "$bench_cp" io.flopwatch.bench.SampleCost "$demo" "$warmup" "$samples" flopwatch-jna)"
    note "sample round=$r $(FLOPWATCH_SIM_SCENARIO=$here/$demo PYTHONPATH=$pkgs/usr/lib/python3/dist-packages \
      python3 bench/pynvml_sample.py "$sim_lib" $((warmup / 10)) $((samples / 4)))"
    note "sample round=$r $(FLOPWATCH_SIM_SCENARIO=$here/$demo "$out/native_floor" "$sim_lib" "$warmup" "$samples")"
  done
  unset FLOPWATCH_SIM_CLOCK
fi

# ---- 2. agent overhead -------------------------------------------------------------------
if want overhead; then
  for interval in 1s 100ms; do
    echo "== overhead: flopwatch run at $interval (8 GPUs, 4 workloads) beside node_exporter, ${duration}s" >&2
    port=$(free_port); agent=$(start_agent "$port" "$interval" "$here/$demo"); pids+=("$agent")
    nport=$(free_port); ne=$(start_node_exporter "$nport"); pids+=("$ne")
    wait_data "http://127.0.0.1:$port/metrics"; wait_data "http://127.0.0.1:$nport/metrics"
    sleep 5  # past start-up and JIT warm-up; idle from here (nobody scrapes)
    a0=$(cpu_ticks "$agent"); n0=$(cpu_ticks "$ne"); t0=$(date +%s.%N)
    sleep "$duration"
    a1=$(cpu_ticks "$agent"); n1=$(cpu_ticks "$ne"); t1=$(date +%s.%N)
    note "overhead tool=flopwatch interval=$interval seconds=$duration cpu_percent_of_core=$(echo "($a1 - $a0) / $tck / ($t1 - $t0) * 100" | bc -l | xargs printf %.3f) rss_mib=$(echo "$(rss_kib "$agent") / 1024" | bc -l | xargs printf %.1f) hwm_mib=$(echo "$(hwm_kib "$agent") / 1024" | bc -l | xargs printf %.1f)"
    note "overhead tool=node_exporter interval=idle seconds=$duration cpu_percent_of_core=$(echo "($n1 - $n0) / $tck / ($t1 - $t0) * 100" | bc -l | xargs printf %.3f) rss_mib=$(echo "$(rss_kib "$ne") / 1024" | bc -l | xargs printf %.1f) hwm_mib=$(echo "$(hwm_kib "$ne") / 1024" | bc -l | xargs printf %.1f)"
    kill "$agent" "$ne"; wait "$agent" "$ne" 2>/dev/null || true
  done
fi

# ---- 3. scrape latency -------------------------------------------------------------------
if want scrape; then
  echo "== scrape latency: 8 GPUs, 64 processes, 4 workloads vs node_exporter; 1/10/50 scrapers" >&2
  port=$(free_port); agent=$(start_agent "$port" 1s "$(scenario 8 64)"); pids+=("$agent")
  nport=$(free_port); ne=$(start_node_exporter "$nport"); pids+=("$ne")
  wait_data "http://127.0.0.1:$port/metrics"; wait_data "http://127.0.0.1:$nport/metrics"; sleep 3
  for c in 1 10 50; do
    for r in $(seq 1 "$rounds"); do
      note "scrape tool=flopwatch round=$r $(java -XX:+UseSerialGC -cp "$bench_cp" io.flopwatch.bench.ScrapeLatency "http://127.0.0.1:$port/metrics" "$c" "$scrape_s")"
      note "scrape tool=node_exporter round=$r $(java -XX:+UseSerialGC -cp "$bench_cp" io.flopwatch.bench.ScrapeLatency "http://127.0.0.1:$nport/metrics" "$c" "$scrape_s")"
    done
  done
  # Paced: one scraper, one scrape per 1.1 s (longer than the 1 s sampling interval), as a
  # Prometheus server scrapes: each flopwatch scrape follows a new snapshot and renders it in full.
  for r in $(seq 1 "$rounds"); do
    note "scrape tool=flopwatch round=$r $(java -XX:+UseSerialGC -cp "$bench_cp" io.flopwatch.bench.ScrapeLatency "http://127.0.0.1:$port/metrics" 1 "$paced_s" 1100)"
    note "scrape tool=node_exporter round=$r $(java -XX:+UseSerialGC -cp "$bench_cp" io.flopwatch.bench.ScrapeLatency "http://127.0.0.1:$nport/metrics" 1 "$paced_s" 1100)"
  done
  kill "$agent" "$ne"; wait "$agent" "$ne" 2>/dev/null || true
fi

# ---- 4. log throughput -------------------------------------------------------------------
if want logs; then
  echo "== log throughput: each preset and a custom pattern vs grep -cE, $log_lines lines" >&2
  # shellcheck disable=SC2086
  java $jvm_flags -cp "$bench_cp" io.flopwatch.bench.LogThroughput agent/src/test/resources/logs "$out/logs" "$log_lines" "$rounds" |
    while read -r line; do note "logs tool=flopwatch $line"; done
  # What each parser looks for, as one extended regex (the lines it takes a reading from).
  declare -A re=(
    [nanogpt]='iter [0-9]+: loss [0-9.]+, time [0-9.]+ms'
    [torchtitan]='step: *[0-9]+ .*(tps|wps): *[0-9,]+'
    [megatron-lm]='iteration +[0-9]+/ *[0-9]+ \|.*elapsed time per iteration \(ms\): [0-9.]+'
    [hf-trainer]="[\"'](num_input_tokens_seen|train_tokens_per_second|train_samples_per_second)[\"']: [0-9.e+-]+"
    [lightning]="'(device/)?(items|samples)_per_sec': [0-9.e+-]+"
    [deepspeed]='(CurrSamplesPerSec|RunningAvgSamplesPerSec)=[0-9.]+|FLOPS per GPU = .*: +[0-9.]+ [GT]FLOPS'
    [vllm]='Avg (prompt|generation) throughput: [0-9.]+ tokens/s'
    [sglang]='(gen|input) throughput \(token/s\): [0-9.]+|#new-token: [0-9]+'
    [custom]='step [0-9]+ .*tokens_per_second=[0-9.]+'
  )
  for name in nanogpt torchtitan megatron-lm hf-trainer lightning deepspeed vllm sglang custom; do
    rates=()
    for r in $(seq 1 "$rounds"); do
      t=$( { TIMEFORMAT='%3U %3S'; time LC_ALL=C grep -cE "${re[$name]}" "$out/logs/$name.log" > "$out/run/grep-$name.count"; } 2>&1 )
      rates+=("$(echo "$t" | awk -v n="$log_lines" '{s=$1+$2; if (s < 0.001) s = 0.001; printf "%.0f", n / s}')")
    done
    note "logs tool=grep parser=$name lines=$log_lines matches=$(cat "$out/run/grep-$name.count") lines_per_cpu_second=$(printf '%s\n' "${rates[@]}" | median)"
  done
fi

# ---- 5. start-up -------------------------------------------------------------------------
if want startup; then
  echo "== start-up: launch to first scrape with data, launcher without and with its class-data archive" >&2
  note "startup load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
  for r in $(seq 1 "$startup_rounds"); do
    for mode in plain cds; do
      cds=off; [[ $mode == cds ]] && cds=auto
      port=$(free_port); t0=$(date +%s%N)
      agent=$(start_agent "$port" 1s "$here/$demo" "" "$cds"); pids+=("$agent")
      wait_data "http://127.0.0.1:$port/metrics"; t1=$(date +%s%N)
      # CPU the JVM used until then (all its threads): less at the mercy of a busy machine than wall time.
      note "startup mode=$mode round=$r ms_to_first_data=$(( (t1 - t0) / 1000000 )) cpu_ms=$(( $(cpu_ticks "$agent") * 1000 / tck ))"
      kill "$agent"; wait "$agent" 2>/dev/null || true
    done
  done
fi

# ---- 6. scaling --------------------------------------------------------------------------
if want scaling; then
  echo "== scaling: per-sample and scrape cost at 1, 8, 64 GPUs and 1k processes" >&2
  for shape in "1 8" "8 64" "64 64" "64 1024"; do
    read -r g p <<< "$shape"
    sc=$(scenario "$g" "$p")
    for r in $(seq 1 "$rounds"); do
      # shellcheck disable=SC2086
      note "scaling gpus=$g processes=$p round=$r $(FLOPWATCH_SIM_CLOCK=frozen:5 java $jvm_flags -cp "$bench_cp" io.flopwatch.bench.SampleCost "$sc" "$((warmup * 8 / g / 4 + 100))" "$((samples * 8 / g / 4 + 50))" flopwatch+processes)"
    done
    port=$(free_port); agent=$(start_agent "$port" 1s "$sc"); pids+=("$agent")
    wait_data "http://127.0.0.1:$port/metrics"; sleep 3
    a0=$(cpu_ticks "$agent"); t0=$(date +%s.%N); sleep "$scrape_s"; a1=$(cpu_ticks "$agent"); t1=$(date +%s.%N)
    note "scaling gpus=$g processes=$p idle_cpu_percent_of_core=$(echo "($a1 - $a0) / $tck / ($t1 - $t0) * 100" | bc -l | xargs printf %.2f) rss_mib=$(echo "$(rss_kib "$agent") / 1024" | bc -l | xargs printf %.1f)"
    # paced (see section 3): each scrape renders the snapshot in full, the cost that grows with the node
    note "scaling gpus=$g processes=$p scrape $(java -XX:+UseSerialGC -cp "$bench_cp" io.flopwatch.bench.ScrapeLatency "http://127.0.0.1:$port/metrics" 1 "$((paced_s / 2))" 1100)"
    kill "$agent"; wait "$agent" 2>/dev/null || true
  done
fi

python3 bench/summarize.py "$results" > "$out/BENCHMARKS-run.md"
cat "$out/BENCHMARKS-run.md"
