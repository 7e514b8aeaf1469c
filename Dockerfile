# One image for every Realio process; the command picks the subgraph, the router or a one-shot
# (python -m common.migrate, python -m common.backup). It runs as the unprivileged user realio.

# GraphiQL's browser assets, from the locked npm packages (decision 0016).
FROM node:20-slim AS graphiql
WORKDIR /web/graphiql
COPY web/graphiql/package.json web/graphiql/package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/app/.venv PYTHONPATH=/app
WORKDIR /app
# pg_dump / pg_restore for python -m common.backup.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv==0.13.9 \
    && useradd --system --uid 10001 --home-dir /app realio \
    && mkdir -p /keys /backups /app/.data && chown realio /keys /backups /app/.data
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY common ./common
COPY router ./router
COPY subgraphs ./subgraphs
COPY schema ./schema
# Only the files common/graphiql.py serves.
COPY --from=graphiql /web/graphiql/node_modules/graphiql/graphiql.min.js /web/graphiql/node_modules/graphiql/graphiql.min.css ./web/graphiql/node_modules/graphiql/
COPY --from=graphiql /web/graphiql/node_modules/react/umd ./web/graphiql/node_modules/react/umd
COPY --from=graphiql /web/graphiql/node_modules/react-dom/umd ./web/graphiql/node_modules/react-dom/umd
COPY --from=graphiql /web/graphiql/node_modules/graphql-ws/umd ./web/graphiql/node_modules/graphql-ws/umd
ENV PATH=/app/.venv/bin:$PATH
USER realio
# Finds out which process the container runs (its command line) and probes its /health.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-m", "common.healthcheck"]
