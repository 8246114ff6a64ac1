#!/bin/sh
# tests/run-all.sh: the whole test suite on a fresh Debian 12 machine:
# install what is missing, build warning-free, run the unit tests and the
# end-to-end tests with real UML, then all of it again under ASan and UBSan.
set -eu
cd "$(dirname "$0")/.."
tests/deps.sh
make -j2
# One image cache for both passes: images are built (and tested) once.
UMLLAB_TEST_CACHE=$(mktemp -d /tmp/umllab-test-cache.XXXXXX)
export UMLLAB_TEST_CACHE
trap 'rm -rf "$UMLLAB_TEST_CACHE"' EXIT
chmod 755 "$UMLLAB_TEST_CACHE"
make check
make asan
