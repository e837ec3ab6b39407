#!/bin/sh
# valgrind_e2e.sh - make check's valgrind pass (plain build only: valgrind
# cannot run ASan binaries, so the sanitizer build does not list this
# test): mailguard-emulate --profile asa in front of builtin:postfix and
# mailguard-detect against it, both under valgrind --leak-check=full; any
# memory error or leak in either fails.  The full pass over every unit
# test is `make valgrind` (tests/valgrind.sh), too slow for every run.
here=$(cd "$(dirname "$0")" && pwd)
exec sh "${top_srcdir:-$here/../..}/tests/valgrind.sh" -e
