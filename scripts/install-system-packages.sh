#!/usr/bin/env bash
# Debian packages the tests need: a PostgreSQL server (extract from PostgreSQL) and Chromium
# (the report page opened in a real headless browser). Installs only what is missing.
set -euo pipefail
missing=()
command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install these Debian packages first (needs root): ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
