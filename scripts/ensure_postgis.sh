#!/usr/bin/env bash
# Make sure a PostgreSQL server with PostGIS answers on the configured host.
# - installs postgresql-15-postgis-3 and postgresql-15-pgrouting (and gdal-bin for the OGC client tests) with apt when
#   missing and we are root; otherwise prints exactly what to install;
# - starts the local cluster when it is down.
set -euo pipefail
WANT_GDAL="${WANT_GDAL:-0}"
PGHOST="${PGHOST:-127.0.0.1}"; PGPORT="${PGPORT:-5432}"; PGUSER="${PGUSER:-postgres}"
export PGHOST PGPORT PGUSER

pkgs=()
pg_major=""
if command -v pg_lsclusters >/dev/null 2>&1; then
  pg_major=$(pg_lsclusters -h 2>/dev/null | awk 'NR==1{print $1}')
fi
pg_major="${pg_major:-15}"
if ! ls /usr/share/postgresql/"$pg_major"/extension/postgis.control >/dev/null 2>&1; then
  pkgs+=("postgresql-${pg_major}-postgis-3")
fi
if ! ls /usr/share/postgresql/"$pg_major"/extension/pgrouting.control >/dev/null 2>&1; then
  pkgs+=("postgresql-${pg_major}-pgrouting")
fi
if ! command -v psql >/dev/null 2>&1; then
  pkgs+=("postgresql-${pg_major}" "postgresql-client-${pg_major}")
fi
if [ "$WANT_GDAL" = "1" ] && ! command -v ogrinfo >/dev/null 2>&1; then
  pkgs+=("gdal-bin")
fi
if [ ${#pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo ">> installing ${pkgs[*]} with apt"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
  else
    echo "!! missing: ${pkgs[*]}"
    echo "   install them with: sudo apt-get install ${pkgs[*]}"
    echo "   (or point TTT_DATABASE_URL at a PostgreSQL server with PostGIS 3 and pgRouting 3)"
    exit 1
  fi
fi

if ! pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo ">> starting PostgreSQL cluster $pg_major/main"
    pg_ctlcluster --skip-systemctl-redirect "$pg_major" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h "$PGHOST" -p "$PGPORT" && break; sleep 1; done
  fi
fi
if ! pg_isready -q -h "$PGHOST" -p "$PGPORT"; then
  echo "!! PostgreSQL does not answer on $PGHOST:$PGPORT; start it: pg_ctlcluster --skip-systemctl-redirect $pg_major main start"
  exit 1
fi
echo ">> PostgreSQL with PostGIS is ready on $PGHOST:$PGPORT"
