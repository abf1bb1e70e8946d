# syntax=docker/dockerfile:1
# One image for every finrisk service: the Airflow components, the Celery workers and the
# MLflow tracking server. The CPU torch wheel is the default; the GPU worker is built from
# the same file with TORCH_INDEX_URL pointing at a CUDA wheel index (see docker-compose.yml).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# Data Docs assets (Bootstrap, bootstrap-table, Font Awesome, jQuery, ...) from the npm
# registry at build time, so the Data Docs render with no internet at run time.
FROM ${PYTHON_IMAGE} AS docs-assets
RUN apt-get update \
 && apt-get install -y --no-install-recommends npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY finrisk/quality/docs_assets.py /tmp/docs_assets.py
RUN python /tmp/docs_assets.py install /assets

FROM ${PYTHON_IMAGE}
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG TORCH_VERSION=2.13.0
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/finrisk/dags \
    FINRISK_DATA_DIR=/data
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl tini libpq5 \
 && rm -rf /var/lib/apt/lists/*

# torch first, from the chosen index: otherwise pip resolves the default (CUDA) wheel set.
RUN pip install --index-url "${TORCH_INDEX_URL}" "torch==${TORCH_VERSION}"

WORKDIR /opt/finrisk
# Every other dependency at the locked version, hash-checked: requirements/lock.txt holds the
# project's dependencies and its `dev` and `deploy` extras (the Celery executor, the FAB auth
# manager for users with passwords, the Redis client). Its own layer, so a code change reuses it.
COPY requirements/ requirements/
RUN pip install --no-deps --require-hashes -r requirements/lock.txt
COPY . .
# Editable, so sql/ and dags/ stay beside the package (finrisk finds sql/ next to itself).
RUN pip install --no-deps -e . \
 && pip check
COPY --from=docs-assets /assets /opt/finrisk/finrisk/quality/vendor

# Group 0 owns the writable folders, so an arbitrary UID (OpenShift) in group 0 works too.
RUN useradd --create-home --uid 50000 --gid 0 finrisk \
 && mkdir -p /data/mlartifacts /opt/airflow/logs \
 && chown -R 50000:0 /data /opt/airflow \
 && chmod -R g+rwX /data /opt/airflow
USER 50000
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["airflow", "version"]
