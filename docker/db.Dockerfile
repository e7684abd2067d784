# PostgreSQL 15 + PostGIS 3.4 (the official postgis image) + pgRouting from the PostgreSQL apt
# repository the image already uses: routes around hazards run in the database.
FROM postgis/postgis:15-3.4
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-15-pgrouting \
 && rm -rf /var/lib/apt/lists/*
