#!/bin/sh
# update.sh - rewrite tests/golden/expected/ from the current analyzer.
# Run from a build dir (or set MG_DETECT), then review `git diff` before
# committing: every change in an expected file is a behaviour change.
exec sh "$(dirname "$0")/run.sh" --update
