#!/usr/bin/env bash
# lint.sh - banned functions (curl's checksrc idea) and cppcheck.
set -u
cd "$(dirname "$0")/.."
status=0
files=$(ls runtime/*.[ch] compiler/*.[ch] include/*.h 2>/dev/null)
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok|strncpy)\s*\('
if grep -nE "$banned" $files; then
	echo "lint: banned function above (use snprintf, migc_strlcpy, strtol with checks)"
	status=1
fi
if command -v cppcheck >/dev/null; then
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability \
		--inline-suppr -Iinclude -Iruntime -Icompiler runtime compiler || status=1
fi
exit $status
