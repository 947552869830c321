#!/usr/bin/env bash
# Installs the build to a temporary prefix, then builds a separate consumer
# project against it with find_package and with pkg-config, and runs both
# against the installed getxapi-sandbox.
# Usage: run_install_test.sh BUILD_DIR [--deb]
#   --deb: instead of `cmake --install`, run `cpack -G DEB` on the build and
#   `dpkg -x` every package into a scratch root; the prefix is ROOT/usr.
set -euo pipefail
build_dir="$1"
mode="${2:-install}"
source_dir="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
sandbox_pid=""
cleanup() {
  [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

if [ "$mode" = "--deb" ]; then
  cpack -G DEB -B "$work/debs" --config "$build_dir/CPackConfig.cmake" >"$work/cpack.log" 2>&1 ||
    { cat "$work/cpack.log" >&2; exit 1; }
  for pkg in libgetxapi-dev getxapi-tools; do
    deb="$(ls "$work/debs/${pkg}"_*.deb)"
    echo "$(basename "$deb"): Depends: $(dpkg-deb -f "$deb" Depends)"
    dpkg-deb -x "$deb" "$work/root"
  done
  # libcurl4 is the tools' (static build) or the library's (shared build).
  tools_depends="$(dpkg-deb -f "$work/debs"/getxapi-tools_*.deb Depends)"
  dev_depends="$(dpkg-deb -f "$work/debs"/libgetxapi-dev_*.deb Depends)"
  grep -q 'libcurl4 ' <<<"$tools_depends $dev_depends"
  grep -q 'nlohmann-json3-dev' <<<"$dev_depends"
  prefix="$work/root/usr"
  echo "extracted the packages to $work/root"
  # A shared build's tools need the packaged libgetxapi.so (in /usr/lib once installed).
  version="$(LD_LIBRARY_PATH="$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    "$prefix/bin/getxapi" --version)"
  echo "getxapi --version: $version"
  grep -q "^getxapi 0\.[0-9]" <<<"$version"
else
  prefix="$work/prefix"
  cmake --install "$build_dir" --prefix "$prefix" >/dev/null
  echo "installed to $prefix"
fi
test -f "$prefix/include/getxapi/getxapi.hpp"
test -f "$prefix/include/getxapi/version.hpp"
test -f "$prefix/include/getxapi/mocks/mock_connection.hpp"
ls "$prefix"/lib*/cmake/getxapi/getxapiConfig.cmake "$prefix"/lib*/cmake/getxapi/getxapiConfigVersion.cmake >/dev/null
ls "$prefix"/lib*/pkgconfig/getxapi.pc >/dev/null

with_outreach=OFF
if ls "$prefix"/lib*/cmake/getxapi/getxapiOutreachTargets.cmake >/dev/null 2>&1; then
  with_outreach=ON
fi

# 1. CMake consumer
cmake -S "$source_dir/consumer" -B "$work/cmake-consumer" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix" -DWITH_OUTREACH="$with_outreach" >/dev/null
cmake --build "$work/cmake-consumer" >/dev/null
echo "built consumer with find_package (outreach component: $with_outreach)"
"$work/cmake-consumer/consumer_mock_test" >/dev/null
echo "ran the consumer's gmock test over the installed MockConnection"

# 2. pkg-config consumer
pc_dir="$(dirname "$(ls "$prefix"/lib*/pkgconfig/getxapi.pc | head -1)")"
# shellcheck disable=SC2046
g++ -std=c++17 -o "$work/pc-consumer" "$source_dir/consumer/consumer.cpp" \
  $(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs getxapi)
echo "built consumer with pkg-config"
if [ "$with_outreach" = ON ]; then
  # Only what the .pc says: a static install must bring -lsqlite3 itself.
  # shellcheck disable=SC2046
  g++ -std=c++17 -o "$work/pc-outreach" "$source_dir/consumer/outreach_consumer.cpp" \
    $(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs getxapi-outreach)
  echo "built outreach consumer with pkg-config"
fi

# 3. Run both against the installed sandbox.
sandbox="$prefix/bin/getxapi-sandbox"
if [ ! -x "$sandbox" ]; then
  echo "getxapi-sandbox was not installed" >&2
  exit 1
fi
"$sandbox" --port 0 >"$work/sandbox.out" 2>"$work/sandbox.err" &
sandbox_pid=$!
for _ in $(seq 1 200); do
  grep -q '^listening on ' "$work/sandbox.out" 2>/dev/null && break
  sleep 0.05
done
base_url="$(head -1 "$work/sandbox.out" | sed -n 's/^listening on //p')"
[ -n "$base_url" ] || { echo "sandbox did not start" >&2; cat "$work/sandbox.err" >&2; exit 1; }

# A shared build installs libgetxapi.so to a prefix the loader does not know.
export LD_LIBRARY_PATH="$(dirname "$pc_dir")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

expected_user="user 1700000000000000001 ada_example can_dm=1"
for consumer in "$work/cmake-consumer/consumer" "$work/pc-consumer"; do
  out="$("$consumer" "$base_url")"
  echo "$out" | sed 's/^/  /'
  grep -qx "$expected_user" <<<"$out"
  grep -qx "missing kNotFound" <<<"$out"
  grep -qx "refused kInvalidArgument attempts 0" <<<"$out"
  grep -qx "followers_page 70 has_more=1" <<<"$out"
  grep -qx "billed 2" <<<"$out"
done
if [ "$with_outreach" = ON ]; then
  "$work/pc-outreach" "$work/journal.db" | grep -qx "journal schema [0-9]* campaigns 0"
fi
# The docs and examples, with working relative links.
python3 "$source_dir/check_doc_links.py" "$prefix/share/doc/getxapi"
echo "install test passed"
