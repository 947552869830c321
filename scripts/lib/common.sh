# Shared by scripts/*: package checks and the configure/build step.
# shellcheck shell=bash

GETXAPI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# The Debian packages a full build (library, tools, tests) needs.
GETXAPI_BUILD_PACKAGES=(
  cmake ninja-build g++ pkg-config ccache
  libcurl4-openssl-dev nlohmann-json3-dev libcpp-httplib-dev libsqlite3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev openssl help2man
  dpkg-dev  # dpkg-shlibdeps, for cpack -G DEB (tests/install)
)

# ensure_packages PKG...: installs what is missing (apt-get, as root), or
# prints the exact apt-get line and exits 1.
ensure_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "==> installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
      apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
  else
    echo "missing packages; run:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
}

# configure_and_build BUILD_DIR [cmake args...] [-- targets...]
configure_and_build() {
  local dir="$1"
  shift
  local cmake_args=() targets=()
  while [ $# -gt 0 ]; do
    if [ "$1" = "--" ]; then
      shift
      targets=("$@")
      break
    fi
    cmake_args+=("$1")
    shift
  done
  local launcher=()
  if command -v ccache >/dev/null 2>&1; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    # Hits across checkouts in different folders (CI clones anew each time).
    export CCACHE_BASEDIR="$GETXAPI_ROOT" CCACHE_NOHASHDIR=1
  fi
  # Warnings are errors in our own builds and CI (consumers get it off).
  cmake -S "$GETXAPI_ROOT" -B "$dir" -G Ninja "${launcher[@]}" -DGETXAPI_WERROR=ON \
    "${cmake_args[@]}" >/dev/null
  if [ ${#targets[@]} -gt 0 ]; then
    cmake --build "$dir" --parallel "$(nproc)" --target "${targets[@]}"
  else
    cmake --build "$dir" --parallel "$(nproc)"
  fi
}
