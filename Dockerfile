# One image for the services; the spaCy model is a locked PyPI dependency, so it is baked in.
# Built from requirements-runtime.lock (no dev tools), compiled to bytecode at build time: the venv is not
# writable by the service user, so otherwise every start would compile spaCy's sources again.
# BASE_IMAGE must give Python 3.11 (what the locks are compiled for) with venv support: the default is the
# official slim image; `make compose-test` passes a Debian bookworm base it debootstraps locally
# (scripts/containers.sh), as no registry is reachable there.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
ARG UV_VERSION=0.13.8
WORKDIR /src
RUN python3 -m venv /opt/uv && /opt/uv/bin/pip install --no-cache-dir -q "uv==${UV_VERSION}"
COPY requirements-runtime.lock ./
RUN /opt/uv/bin/uv venv /opt/venv --python python3 \
    && /opt/uv/bin/uv pip sync --no-cache --compile-bytecode --python /opt/venv/bin/python --require-hashes requirements-runtime.lock
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
COPY contracts ./contracts
COPY samples ./samples
RUN /opt/uv/bin/uv pip install --no-cache --compile-bytecode --python /opt/venv/bin/python --no-deps .

FROM ${BASE_IMAGE}
# .cache/faust: the Faust apps' data dirs (relative to the working directory) need their parent.
RUN useradd --create-home --uid 10001 warwire \
    && mkdir -p /home/warwire/state /home/warwire/.cache/faust \
    && chown -R warwire:warwire /home/warwire
COPY --from=build /opt/venv /opt/venv
WORKDIR /home/warwire
USER 10001
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1
# The offline gazetteer index is built once here (from the locked GeoNames packages), not at each start.
RUN warwire gazetteer
ENTRYPOINT ["warwire", "run"]
CMD ["api"]
