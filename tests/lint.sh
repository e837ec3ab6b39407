#!/bin/sh
# lint.sh - banned unsafe calls in src/ (curl's checksrc idea), then
# cppcheck when it is installed.
top=${1:-.}
status=0
banned='\<(sprintf|vsprintf|strcpy|strcat|gets|sscanf|atoi|atol|strtok)[[:space:]]*\('
if grep -nE "$banned" "$top"/src/*.c; then
	echo "lint: banned function used (see docs/style above)" >&2
	status=1
fi
if command -v cppcheck >/dev/null 2>&1; then
	cppcheck --quiet --error-exitcode=1 --std=c11 -I"$top/include" \
	    --suppress=missingIncludeSystem "$top/src" || status=1
fi
exit $status
