#!/usr/bin/env bash
# Installs everything mapguard needs to build and test, from Debian 12's own packages (run as root).
set -euo pipefail
llvm=${MAPGUARD_LLVM_VERSION:-22}
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  ca-certificates git cmake make g++ python3 python3-jsonschema \
  "llvm-${llvm}-dev" "libclang-${llvm}-dev" "clang-${llvm}" "clang-tidy-${llvm}" "llvm-${llvm}-tools" \
  "libc++-${llvm}-dev" "libc++abi-${llvm}-dev" \
  nlohmann-json3-dev libgtest-dev libabsl-dev libasio-dev libmsgsl-dev libboost-dev >/dev/null
# npm fetches the official SARIF schema for the tests; keep a Node.js that is already installed.
if ! command -v npm >/dev/null; then
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
echo "mapguard: dependencies installed (LLVM ${llvm})"
