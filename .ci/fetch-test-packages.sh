#!/usr/bin/env bash
# Fetches the real Debian packages the tests run against (NVML header, the real
# libnvidia-ml without a driver, pynvml as a peer binding) and unpacks them into a cache
# folder, without touching the system's apt configuration: apt-get runs with a sources
# file, list and cache folders of its own. The mirror is the one the system already uses.
#
# Usage: fetch-test-packages.sh [CACHE_DIR]      (default ~/.cache/flopwatch/test-packages)
# Unpacks bookworm's packages into CACHE_DIR/root and trixie's header into CACHE_DIR/root-trixie.
# Prints the bookworm root on success. Idempotent: a package already unpacked is skipped.
# Exit status: 0 all fetched; 3 could not fetch (no network / no mirror), and the tests that
# need a package skip and say why; with CI=true the same failure exits 1 and fails the build.
set -euo pipefail

fail() {
  echo "fetch-test-packages: $*" >&2
  # On CI a missing package would silently turn real tests into skips: fail the build.
  if [[ ${CI:-} == true ]]; then exit 1; fi
  exit 3
}

cache=${1:-${FLOPWATCH_TEST_PACKAGES:-$HOME/.cache/flopwatch/test-packages}}

# The system's own Debian mirror, so no host name is written here.
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)[[:space:]]*$/\1/p' \
           /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
if [[ -z $mirror ]]; then
  mirror=$(awk '$1=="deb" && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
fi

# fetch SUITE ROOT PACKAGE...: downloads the packages of one Debian suite and unpacks them
# into ROOT; apt state per suite, so bookworm's and trixie's lists never mix.
fetch() {
  local suite=$1 root=$2
  shift 2
  local packages=("$@")
  local apt_dir="$cache/apt-$suite" debs="$cache/debs-$suite"
  # bookworm keeps the layout the first version of this script used (apt/, debs/).
  if [[ $suite == bookworm ]]; then apt_dir="$cache/apt"; debs="$cache/debs"; fi
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$debs" "$root"

  local stamp="$root/.complete-$suite"
  if [[ -f $stamp ]] && [[ "$(cat "$stamp")" == "${packages[*]}" ]]; then
    return 0
  fi
  if [[ -z $mirror ]]; then
    fail "no Debian mirror found in /etc/apt/sources.list(.d)"
  fi

  cat > "$apt_dir/nonfree.sources" <<SRC
Types: deb
URIs: $mirror
Suites: $suite
Components: main contrib non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC

  local apt_opts=(
    -o "Dir::Etc::SourceList=$apt_dir/nonfree.sources"
    -o "Dir::Etc::SourceParts=/nonexistent"
    -o "Dir::State::Lists=$apt_dir/lists"
    -o "Dir::Cache=$apt_dir"
    -o "Dir::Cache::archives=$apt_dir/archives"
    -o "Debug::NoLocking=1"
    -o "APT::Sandbox::User=root"
    -q
  )

  if ! apt-get "${apt_opts[@]}" update >"$apt_dir/update.log" 2>&1; then
    fail "apt-get update ($suite) failed, see $apt_dir/update.log"
  fi
  local p
  for p in "${packages[@]}"; do
    if ! ls "$debs/${p}_"*.deb >/dev/null 2>&1; then
      if ! (cd "$debs" && apt-get "${apt_opts[@]}" download "$p" >>"$apt_dir/download.log" 2>&1); then
        fail "could not download $p ($suite), see $apt_dir/download.log"
      fi
    fi
    dpkg -x "$debs/${p}_"*.deb "$root"
  done
  echo "${packages[*]}" > "$stamp"
}

# bookworm (CUDA 11.8 header, driver 535): name -> what the tests use it for
bookworm_packages=(
  libnvidia-ml-dev   # nvml.h for the ABI conformance test and the simulated library
  libnvidia-ml1      # the real libnvidia-ml.so.1: "Driver Not Loaded" on a machine without one
  python3-pynvml     # a peer binding that must read the simulated library as we do
  prometheus         # a real server scrapes the agent; promtool lints the exposition
  tmux               # drives `flopwatch top`'s real screen in a pane of a given size (TopTmuxTest)
  libevent-core-2.1-7  # tmux's libraries, unpacked beside it: the test runs it with
  libutempter0         #   LD_LIBRARY_PATH pointing into the root, nothing is installed
  prometheus-node-exporter  # the reference exporter bench/run.sh measures beside the agent
)
# trixie (CUDA 12.4 header): the same ABI test against a newer header (210-entry GPM
# metrics array, nvmlGpmMigSampleGet). Only the header is used, in a root of its own.
trixie_packages=(
  libnvidia-ml-dev
)

fetch bookworm "$cache/root" "${bookworm_packages[@]}"
fetch trixie "$cache/root-trixie" "${trixie_packages[@]}"
echo "$cache/root"
