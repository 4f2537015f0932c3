# Haven: one image, several workers, migrations on start.

# PyICU (the word lists' look-alike matching) has no wheel on PyPI: it is built
# here against Debian's ICU, so the image itself carries no compiler.
FROM python:3.11-slim-bookworm AS wheels
RUN apt-get update \
    && apt-get install -y --no-install-recommends libicu-dev pkg-config g++ \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml /src/
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('/src/pyproject.toml', 'rb'))['project']['dependencies']))" > /src/requirements.txt \
    && pip wheel --wheel-dir /wheels -r /src/requirements.txt

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HAVEN_ENV=production \
    HAVEN_DATA_DIR=/data \
    HAVEN_WORKERS=4

RUN useradd --create-home --uid 10001 haven \
    && mkdir -p /data \
    && chown haven:haven /data

# ICU's runtime library, the one PyICU was built against (both stages are bookworm).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libicu72 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY --from=wheels /wheels /wheels
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
# Installed in place so templates, static files and migrations sit beside the package.
RUN pip install --find-links /wheels -e . && rm -rf /wheels

USER haven
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]

# HAVEN_SECRET_KEY is required (HAVEN_ENV=production); DATABASE_URL defaults to
# SQLite in /data, set it to postgresql+psycopg://... to share one database.
CMD ["sh", "-c", "haven db upgrade && exec haven serve --host 0.0.0.0 --port 8000 --workers \"$HAVEN_WORKERS\""]
