#!/usr/bin/env bash
# Install (if missing) the C compilers the C backend is tested with, and clang-format for
# the reformatting tests. Idempotent.
set -euo pipefail
missing=()
for tool in gcc clang clang-format; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q "${missing[@]}"
fi
echo "C compilers ready: $(gcc -dumpversion) (gcc), $(clang -dumpversion) (clang)"
