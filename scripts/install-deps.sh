#!/usr/bin/env bash
# Installs everything mapguard needs to build and test, from Debian 12's own packages (run as root).
set -euo pipefail
# MAPGUARD_LLVM_VERSION: 22 (default) or 19. MAPGUARD_DEPS=build: only what building needs (CI
# jobs of projects that run mapguard); otherwise also the test suite's inputs and tools.
# MAPGUARD_LIBCXX=0: no libc++ (libc++-N-dev of two LLVM versions cannot be installed together).
llvm=${MAPGUARD_LLVM_VERSION:-22}
export DEBIAN_FRONTEND=noninteractive
packages=(ca-certificates git cmake make g++ nlohmann-json3-dev
          "llvm-${llvm}-dev" "libclang-${llvm}-dev" "clang-${llvm}" "clang-tidy-${llvm}" "llvm-${llvm}-tools")
if [ "${MAPGUARD_DEPS:-all}" != build ]; then
  packages+=("clang-format-${llvm}" # the layout test of our own code (lint.clang-format)
             python3 python3-jsonschema python3-yaml pre-commit dpkg-dev file
             libgtest-dev libabsl-dev libasio-dev libmsgsl-dev libboost-dev qtbase5-dev qt6-base-dev libtbb-dev
             bazel-bootstrap # the Bazel integration's end-to-end test (tests/BazelTest.cpp)
             libedit-dev)    # a development package that makes LLVM's CMake package probe C headers
  if [ "${MAPGUARD_LIBCXX:-1}" != 0 ]; then
    packages+=("libc++-${llvm}-dev" "libc++abi-${llvm}-dev")
  fi
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
# npm fetches the official SARIF schema for the tests; keep a Node.js that is already installed.
if [ "${MAPGUARD_DEPS:-all}" != build ] && ! command -v npm >/dev/null; then
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
echo "mapguard: dependencies installed (LLVM ${llvm})"
