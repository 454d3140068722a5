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
  # No debug info (a third of the compile time), and the two supported compilers split between the
  # versions: clang++ of the primary version (about half the compile time of g++ here), g++ 12 for
  # the other, so that both are held to a warning-free build.
  # Both builds are unity builds (clang's headers parsed once per batch of files, not once per
  # file); the lint of the primary version compiles each file on its own.
  cmake_args=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" -DMAPGUARD_UNITY_BUILD=ON
              -DCMAKE_C_COMPILER=/usr/lib/llvm-${llvm}/bin/clang -DCMAKE_CXX_COMPILER=/usr/lib/llvm-${llvm}/bin/clang++)
  if [ "$llvm" != "$primary" ]; then
    build=build-llvm${llvm}
    # Once, with the primary version: our code's lint, the Bazel integration, and the checker tests
    # against libstdc++ debug mode and libc++, the plugin on every checker test file; the second
    # version runs the rest (libstdc++ only; the plugin on each check's main file, the CLI on all).
    ctest_args=(-E '^(lint\.|BazelTest\.)')
    cmake_args=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG"
                -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ -DMAPGUARD_TEST_STDLIB_MATRIX=OFF
                -DMAPGUARD_TEST_PLUGIN_ON_EVERY_FILE=OFF -DMAPGUARD_UNITY_BUILD=ON)
  fi
  echo "== mapguard: LLVM ${llvm} (${build}) =="
  # libc++-N-dev of two versions cannot be installed together: the primary version keeps it.
  MAPGUARD_LLVM_VERSION=$llvm MAPGUARD_LIBCXX=$([ "$llvm" = "$primary" ] && echo 1 || echo 0) \
    bash scripts/install-deps.sh
  cmake -S . -B "$build" -DBUILD_TESTING=ON -DMAPGUARD_LLVM_VERSION="$llvm" "${cmake_args[@]}" >/dev/null
  echo "== mapguard: LLVM ${llvm}: dependencies in place after ${SECONDS} s =="
  cmake --build "$build" -j "$(nproc)"
  echo "== mapguard: LLVM ${llvm}: built after ${SECONDS} s =="
  ctest --test-dir "$build" --output-on-failure -j "$(nproc)" "${ctest_args[@]}"
  echo "== mapguard: LLVM ${llvm}: tested after ${SECONDS} s =="
done
