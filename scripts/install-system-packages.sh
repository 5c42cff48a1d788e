#!/usr/bin/env bash
# Debian packages the tests need: a PostgreSQL server (extract from PostgreSQL), Chromium
# (the report page opened in a real headless browser) and Java 17 (pyspark: the Spark engine,
# docs/scale-out.md). Installs only what is missing.
set -euo pipefail
missing=()
command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
java -version 2>&1 | grep -q 'version "17' || missing+=(openjdk-17-jre-headless)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install these Debian packages first (needs root): ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
