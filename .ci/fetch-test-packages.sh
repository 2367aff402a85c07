#!/usr/bin/env bash
# Fetches the real Debian packages the tests run against (NVML header, the real
# libnvidia-ml without a driver, pynvml as a peer binding) and unpacks them into a cache
# folder, without touching the system's apt configuration: apt-get runs with a sources
# file, list and cache folders of its own. The mirror is the one the system already uses.
#
# Usage: fetch-test-packages.sh [CACHE_DIR]      (default ~/.cache/flopwatch/test-packages)
# Prints the unpacked root on success. Idempotent: a package already unpacked is skipped.
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
suite=bookworm
# name -> what the tests use it for
packages=(
  libnvidia-ml-dev   # nvml.h for the ABI conformance test and the simulated library
  libnvidia-ml1      # the real libnvidia-ml.so.1: "Driver Not Loaded" on a machine without one
  python3-pynvml     # a peer binding that must read the simulated library as we do
)

mkdir -p "$cache/apt/lists/partial" "$cache/apt/archives/partial" "$cache/debs" "$cache/root"

stamp="$cache/root/.complete-$suite"
if [[ -f $stamp ]] && [[ "$(cat "$stamp")" == "${packages[*]}" ]]; then
  echo "$cache/root"
  exit 0
fi

# The system's own Debian mirror, so no host name is written here.
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)[[:space:]]*$/\1/p' \
           /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
if [[ -z $mirror ]]; then
  mirror=$(awk '$1=="deb" && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
fi
if [[ -z $mirror ]]; then
  fail "no Debian mirror found in /etc/apt/sources.list(.d)"
fi

cat > "$cache/apt/nonfree.sources" <<SRC
Types: deb
URIs: $mirror
Suites: $suite
Components: main contrib non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC

apt_opts=(
  -o "Dir::Etc::SourceList=$cache/apt/nonfree.sources"
  -o "Dir::Etc::SourceParts=/nonexistent"
  -o "Dir::State::Lists=$cache/apt/lists"
  -o "Dir::Cache=$cache/apt"
  -o "Dir::Cache::archives=$cache/apt/archives"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
  -q
)

if ! apt-get "${apt_opts[@]}" update >"$cache/apt/update.log" 2>&1; then
  fail "apt-get update failed, see $cache/apt/update.log"
fi
cd "$cache/debs"
for p in "${packages[@]}"; do
  if ! ls "$cache/debs/${p}_"*.deb >/dev/null 2>&1; then
    if ! apt-get "${apt_opts[@]}" download "$p" >>"$cache/apt/download.log" 2>&1; then
      fail "could not download $p, see $cache/apt/download.log"
    fi
  fi
  dpkg -x "$cache/debs/${p}_"*.deb "$cache/root"
done
echo "${packages[*]}" > "$stamp"
echo "$cache/root"
