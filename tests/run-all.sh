#!/bin/sh
# tests/run-all.sh: the whole test suite on a fresh Debian 12 machine:
# install what is missing, build warning-free, run the unit tests and the
# end-to-end tests with real UML, then all of it again under ASan and UBSan.
set -eu
cd "$(dirname "$0")/.."
tests/deps.sh
make -j2
make check
make asan
