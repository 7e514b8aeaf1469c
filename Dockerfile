# One image for every Realio process; the command picks the subgraph or the router.
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
ENV PATH=/app/.venv/bin:$PATH
