#!/bin/sh
# soak_short.sh - make check's soak: tests/bench/soak.sh --short (the
# emulator under asa in front of a real Postfix, 150 messages over about
# 30 s with slow, idle, half-closed, mid-DATA and over-long clients around
# it): messages acknowledged = messages delivered exactly once, no aborted
# message delivered, RSS flat, no fd leak.  The 300 s run is
# `tests/bench/soak.sh` (figures in docs/reliability.md).
here=$(cd "$(dirname "$0")" && pwd)
exec sh "${top_srcdir:-$here/../..}/tests/bench/soak.sh" --short
