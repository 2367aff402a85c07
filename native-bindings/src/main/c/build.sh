#!/usr/bin/env bash
# Builds the simulated NVML library (libnvidia-ml-sim.so) and flopwatch's NVML sample reader
# (libflopwatch-nvml-reader.so, reader/: the per-sample hot path in C) into OUT_DIR.
# Usage: build.sh OUT_DIR [REAL_NVML_INCLUDE_DIR]
# With Debian's real nvml.h in REAL_NVML_INCLUDE_DIR the library is compiled against it, so
# its structures are the real ABI; without it, against our own declarations (sim_nvml_types.h).
set -euo pipefail
out=${1:?usage: build.sh OUT_DIR [REAL_NVML_INCLUDE_DIR]}
real_inc=${2:-}
src=$(cd "$(dirname "$0")" && pwd)
shopt -s nullglob
sources=("$src"/*.c)
if ((${#sources[@]} == 0)); then
  echo "build.sh: no C sources yet" >&2
  exit 0
fi
mkdir -p "$out"
flags=(-std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden)
if [[ -n $real_inc && -f $real_inc/nvml.h ]]; then
  flags+=(-DSIM_USE_REAL_NVML_H -I"$real_inc")
  echo "build.sh: simulated NVML compiled against the real nvml.h in $real_inc"
else
  echo "build.sh: simulated NVML compiled against flopwatch's own NVML declarations"
fi
gcc "${flags[@]}" -I"$src" -o "$out/libnvidia-ml-sim.so" "${sources[@]}" -lm -lpthread
# The reader links against nothing: Java hands it the addresses of the NVML functions it resolved.
gcc "${flags[@]}" -I"$src" -o "$out/libflopwatch-nvml-reader.so" "$src/reader/nvml_reader.c"

# ABI check: our own declarations (sim_nvml_types.h) must lay out every structure exactly as
# the real nvml.h does. Compile the layout probe against both and compare.
if [[ -n $real_inc && -f $real_inc/nvml.h ]]; then
  probe_dir=$(mktemp -d)
  trap 'rm -rf "$probe_dir"' EXIT
  probe_flags=(-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$src")
  gcc "${probe_flags[@]}" -DSIM_USE_REAL_NVML_H -I"$real_inc" -o "$probe_dir/real" "$src/probe/layout_probe.c"
  gcc "${probe_flags[@]}" -o "$probe_dir/own" "$src/probe/layout_probe.c"
  "$probe_dir/real" >"$probe_dir/real.txt"
  "$probe_dir/own" >"$probe_dir/own.txt"
  # The library must also compile against our own declarations alone (machines without the header).
  gcc "${probe_flags[@]}" -fsyntax-only "${sources[@]}" "$src/reader/nvml_reader.c"
  if ! diff -u "$probe_dir/real.txt" "$probe_dir/own.txt" >&2; then
    echo "build.sh: sim_nvml_types.h does not match the layout of the real nvml.h (diff above)" >&2
    exit 1
  fi
  echo "build.sh: sim_nvml_types.h matches the real nvml.h layout ($(wc -l <"$probe_dir/real.txt") sizes, offsets and constants)"
fi
