#!/usr/bin/env bash
# `make backup`: the database and the media files (uploads, documents, exports), taken
# together into BACKUP_DIR (default backups/):
#   lejek-<UTC timestamp>.dump           pg_dump's custom format (pg_restore reads it)
#   lejek-<UTC timestamp>.media.tar.gz   everything under MEDIA_ROOT
# Prints the dump's path, which `make restore FILE=...` takes. Needs pg_dump of the
# server's major version or newer (the image's postgresql-client matches postgres:15).
set -euo pipefail

: "${DATABASE_URL:?DATABASE_URL is not set, e.g. postgres://lejek:secret@127.0.0.1:5432/lejek}"
media_root="${MEDIA_ROOT:-media}"
backup_dir="${BACKUP_DIR:-backups}"
stamp="$(date -u +%Y%m%d-%H%M%S)"
dump="$backup_dir/lejek-$stamp.dump"
media="$backup_dir/lejek-$stamp.media.tar.gz"

mkdir -p "$backup_dir"
# Written under a temporary name first: a dump cut short never looks like a backup.
pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$dump.partial"
mv "$dump.partial" "$dump"
if [ -d "$media_root" ]; then
  tar -czf "$media.partial" -C "$media_root" .
else
  # No file uploaded yet: an empty archive, so that every dump has its media beside it.
  tar -czf "$media.partial" --files-from /dev/null
fi
mv "$media.partial" "$media"
echo "$dump"
