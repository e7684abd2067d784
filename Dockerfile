# ttt service image: API (`ttt serve`), scheduler (`ttt scheduler`), migrations (`ttt db upgrade`).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY ttt ./ttt
COPY corridors ./corridors
COPY alerts ./alerts
COPY migrations ./migrations
COPY locales ./locales
RUN pip install . && pybabel compile -d locales -D ttt && useradd --system --uid 10001 ttt && mkdir -p /var/lib/ttt && chown ttt /var/lib/ttt
# without TTT_SECRET_KEY a random key is generated on first run and kept here (mount a volume)
ENV TTT_SECRET_FILE=/var/lib/ttt/secret
VOLUME /var/lib/ttt
USER ttt
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --retries=5 CMD curl -fsS http://127.0.0.1:8000/health || exit 1
CMD ["ttt", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-scheduler"]
