#!/usr/bin/env bash
# Idempotent set-up of a fresh machine for warwire: Java 17 + Maven (apt-get, as root), the Python
# virtualenv from the hashed lock file (via a pinned uv), the Kafka broker jars (Maven Central),
# PostgreSQL and Chromium (Debian's packages).
# Re-running is cheap: each step is skipped when its stamp is current.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
UV_VERSION=0.13.8
TOOLS="$ROOT/.cache/tools"
VENV="$ROOT/.venv"
say() { echo "setup: $*" >&2; }
die() { echo "setup: $*" >&2; exit 1; }

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing $* with apt-get"
    if [ ! -f /var/lib/apt/periodic/.warwire-updated ] || [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | head -n 3)" ]; then
      DEBIAN_FRONTEND=noninteractive apt-get update -qq && mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/.warwire-updated
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    return 1
  fi
}

# 1. Java 17+ and Maven, for the local Kafka broker.
java_ok() { command -v java >/dev/null 2>&1 && [ "$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)" -ge 17 ]; }
java_ok || apt_install openjdk-17-jre-headless || die "Java 17 or newer is required: install openjdk-17-jre-headless (or any JDK >= 17)."
java_ok || die "Java 17 or newer is required; found: $(java -version 2>&1 | head -n1)"
command -v mvn >/dev/null 2>&1 || apt_install maven || die "Maven is required to fetch the Kafka jars: install maven."

# 2. Python 3.11+ and the locked dependencies.
PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null \
  || die "Python 3.11 or newer is required (found: $("$PYTHON" --version 2>&1))."
if [ ! -x "$TOOLS/bin/uv" ] || [ "$("$TOOLS/bin/uv" --version 2>/dev/null | awk '{print $2}')" != "$UV_VERSION" ]; then
  say "installing uv $UV_VERSION into $TOOLS"
  "$PYTHON" -m venv "$TOOLS"
  "$TOOLS/bin/pip" install -q --disable-pip-version-check "uv==$UV_VERSION"
fi
UV="$TOOLS/bin/uv"
STAMP="$VENV/.warwire-lock.sha256"
# "bytecode": bump when the way the venv is built changes, so existing venvs are built again.
WANT=$( (cat requirements.lock pyproject.toml; echo bytecode) | sha256sum | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  say "syncing $VENV with requirements.lock"
  [ -x "$VENV/bin/python" ] || "$UV" venv -q --python "$PYTHON" "$VENV"
  # Bytecode compiled at install: with PYTHONDONTWRITEBYTECODE set (CI runners often set it) Python
  # never writes .pyc, and every process would compile spaCy's sources again at start (~10 s).
  "$UV" pip sync -q --compile-bytecode --python "$VENV/bin/python" --require-hashes requirements.lock
  "$UV" pip install -q --python "$VENV/bin/python" --no-deps -e .
  "$VENV/bin/python" -m compileall -q -j 0 "$VENV/lib" >/dev/null || true  # an existing venv: sync compiles only what it installs
  echo "$WANT" >"$STAMP"
fi

# The project's own modules too (only what changed since the last run; __pycache__ is git-ignored).
"$VENV/bin/python" -m compileall -q shared services bench >/dev/null || true

# 3. Kafka broker jars.
bash "$ROOT/scripts/kafka.sh" fetch

# 4. PostgreSQL (Debian's server package) for the store's tests on PostgreSQL and the API benchmark, and
#    Debian's Chromium for the live page's browser test (Playwright drives it; it downloads no browser).
bash "$ROOT/scripts/postgres.sh" install
command -v chromium >/dev/null 2>&1 || apt_install chromium \
  || say "Chromium not installed (needs root and apt-get): the live page's browser test will be skipped"
# Debian's Prometheus for the observability test (it scrapes the running services, checks the dashboards).
command -v prometheus >/dev/null 2>&1 || apt_install prometheus \
  || say "Prometheus not installed (needs root and apt-get): the dashboard test will be skipped"

# 5. The offline gazetteer index (built once from the pinned GeoNames packages; ~20 s the first time).
"$VENV/bin/warwire" gazetteer >/dev/null
say "ready"
