# One image for the five services; the spaCy model is a locked PyPI dependency, so it is baked in.
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
RUN pip install --no-cache-dir uv==0.13.8
COPY requirements.lock pyproject.toml README.md ./
RUN uv venv /opt/venv && uv pip sync --python /opt/venv/bin/python --require-hashes requirements.lock
COPY shared ./shared
COPY services ./services
COPY contracts ./contracts
COPY samples ./samples
RUN uv pip install --python /opt/venv/bin/python --no-deps .

FROM python:3.11-slim-bookworm
RUN useradd --create-home --uid 10001 warwire \
    && mkdir -p /home/warwire/state /home/warwire/.cache \
    && chown -R warwire:warwire /home/warwire
COPY --from=build /opt/venv /opt/venv
WORKDIR /home/warwire
USER 10001
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1
# The offline gazetteer index is built once here (from the locked GeoNames packages), not at each start.
RUN warwire gazetteer
ENTRYPOINT ["warwire", "run"]
CMD ["api"]
