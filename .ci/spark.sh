#!/usr/bin/env bash
# Install (if missing) what the Spark SQL tests need: a Java 17+ runtime and pyspark in the
# virtualenv. Idempotent. pyspark runs Spark in local mode inside the test process.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

java_major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1; }
if ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt 17 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q openjdk-17-jre-headless
fi
if ! "$PY" -c "import pyspark" >/dev/null 2>&1; then
    "$PY" -m pip install -q "pyspark>=3.5"
fi
echo "Spark ready: pyspark $("$PY" -c 'import pyspark; print(pyspark.__version__)'), Java $(java_major)"
