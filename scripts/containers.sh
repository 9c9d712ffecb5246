#!/usr/bin/env bash
# Real containers on a machine without a Docker engine or a registry (see docs in README, "Containers"):
# podman + podman-compose, and a Debian base image debootstrapped from the apt mirror this machine uses.
# Idempotent: each step is skipped when already done.
#
#   scripts/containers.sh install   podman (apt-get, as root), /etc/containers/containers.conf for this VM's
#                                    limits, podman-compose in .cache/containers/venv, the base image
#   scripts/containers.sh base      only the base image (localhost/warwire-base:bookworm)
#
# The base image is Debian bookworm (minbase) with its Python 3.11 (what requirements*.lock are compiled for)
# and venv support. It also trusts the host's local CA certificates (/usr/local/share/ca-certificates), so
# pip and uv inside image builds work behind a TLS-intercepting proxy as they do on the host.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE="$ROOT/.cache/containers"
BASE_IMAGE=${WARWIRE_BASE_IMAGE:-localhost/warwire-base:bookworm}
PODMAN_COMPOSE_VERSION=1.6.0
say() { echo "containers.sh: $*" >&2; }
die() { echo "containers.sh: $*" >&2; exit 1; }

apt_mirror() {
  local m=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    m=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '/^deb / && $0 !~ /security/ {for (i=2;i<=NF;i++) if ($i ~ /^https?:/) {print $i; exit}}' /etc/apt/sources.list)
  fi
  echo "${m:-http://deb.debian.org/debian}"
}

install_packages() {
  local need=()
  for p in podman runc conmon netavark aardvark-dns iptables uidmap catatonit debootstrap python3-venv; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p")
  done
  [ ${#need[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "podman is missing and installing it needs root: apt-get install ${need[*]}"
  say "installing ${need[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

# crun refuses cgroups v1 hybrid mode (runc works); root cannot raise rlimits here (hard nofile 20000);
# no systemd, so cgroupfs and a file events log.
write_containers_conf() {
  local conf=/etc/containers/containers.conf
  grep -q "warwire: scripts/containers.sh" "$conf" 2>/dev/null && return 0
  if [ -s "$conf" ]; then
    say "$conf exists and was not written by this script: leaving it as it is"
    return 0
  fi
  mkdir -p /etc/containers
  cat >"$conf" <<'CONF'
# warwire: scripts/containers.sh (podman on a VM without systemd, cgroups v1 hybrid, capped rlimits)
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
}

install_podman_compose() {
  local venv="$CACHE/venv"
  local have=""
  # Read pip's whole output first: grep -q closing the pipe early fails the pipeline under pipefail.
  [ -x "$venv/bin/podman-compose" ] && have=$("$venv/bin/pip" show podman-compose 2>/dev/null || true)
  if grep -q "^Version: $PODMAN_COMPOSE_VERSION$" <<<"$have"; then
    return 0
  fi
  say "installing podman-compose $PODMAN_COMPOSE_VERSION into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "podman-compose==$PODMAN_COMPOSE_VERSION"
}

build_base() {
  if podman image exists "$BASE_IMAGE"; then
    return 0
  fi
  local work rootfs
  work=$(mktemp -d "${TMPDIR:-/tmp}/warwire-base.XXXXXX")
  # shellcheck disable=SC2064  # expand now: $work is local
  trap "rm -rf '$work'" EXIT
  rootfs="$work/rootfs"
  say "debootstrapping $BASE_IMAGE from $(apt_mirror)"
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$rootfs" "$(apt_mirror)" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; rm -rf "$work"; die "debootstrap failed"; }
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed in the base"
  fi
  ln -sf python3 "$rootfs/usr/bin/python"
  rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*
  tar -C "$rootfs" -c . | podman import -q \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
  rm -rf "$work"
  say "built $BASE_IMAGE"
}

case "${1:-install}" in
  install) install_packages; write_containers_conf; install_podman_compose; build_base ;;
  base) build_base ;;
  *) echo "usage: $0 {install|base}" >&2; exit 2 ;;
esac
