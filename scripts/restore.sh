#!/usr/bin/env bash
# `make restore FILE=backups/lejek-<timestamp>.dump`: put a backup of scripts/backup.sh back
# into the database of DATABASE_URL (its tables are replaced, in one transaction: all or
# nothing) and unpack the media archive beside the dump into MEDIA_ROOT (files of the same
# name are overwritten; files uploaded after the backup stay, unreferenced).
# Stop web and the workers first (docker compose stop web worker worker-heavy beat).
set -euo pipefail

dump="${1:-${FILE:-}}"
if [ -z "$dump" ]; then
  echo "usage: make restore FILE=backups/lejek-<timestamp>.dump" >&2
  exit 2
fi
if [ ! -f "$dump" ]; then
  echo "restore: no such backup: $dump" >&2
  exit 2
fi
: "${DATABASE_URL:?DATABASE_URL is not set, e.g. postgres://lejek:secret@127.0.0.1:5432/lejek}"
media_root="${MEDIA_ROOT:-media}"
media="${dump%.dump}.media.tar.gz"

pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
  --exit-on-error --dbname="$DATABASE_URL" "$dump"
if [ -f "$media" ]; then
  mkdir -p "$media_root"
  tar -xzf "$media" -C "$media_root"
else
  echo "restore: no media archive $media; the database alone was restored" >&2
fi
echo "restored $dump into the database and $media_root"
