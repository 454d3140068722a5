#!/usr/bin/env bash
# Installs the dependencies, builds mapguard with its tests, and runs the whole suite with ctest:
# against LLVM 22 (the primary target, with the lint of our own code), then against LLVM 19.
# MAPGUARD_TEST_LLVM_VERSIONS="22" runs one version only.
set -euo pipefail
cd "$(dirname "$0")/.."
versions=${MAPGUARD_TEST_LLVM_VERSIONS:-22 19}
primary=${versions%% *}
for llvm in $versions; do
  build=build
  ctest_args=()
  if [ "$llvm" != "$primary" ]; then
    build=build-llvm${llvm}
    ctest_args=(-E '^lint\.') # our code's lint runs once, with the primary clang-tidy
  fi
  echo "== mapguard: LLVM ${llvm} (${build}) =="
  # libc++-N-dev of two versions cannot be installed together: the primary version keeps it.
  MAPGUARD_LLVM_VERSION=$llvm MAPGUARD_LIBCXX=$([ "$llvm" = "$primary" ] && echo 1 || echo 0) \
    bash scripts/install-deps.sh
  cmake -S . -B "$build" -DBUILD_TESTING=ON -DMAPGUARD_LLVM_VERSION="$llvm" >/dev/null
  cmake --build "$build" -j "$(nproc)"
  ctest --test-dir "$build" --output-on-failure -j "$(nproc)" "${ctest_args[@]}"
done
