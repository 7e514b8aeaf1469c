# One image for every Realio process; the command picks the subgraph or the router.

# GraphiQL's browser assets, from the locked npm packages (decision 0013).
FROM node:20-slim AS graphiql
WORKDIR /web/graphiql
COPY web/graphiql/package.json web/graphiql/package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/app/.venv PYTHONPATH=/app
WORKDIR /app
RUN pip install --no-cache-dir uv==0.13.9
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
