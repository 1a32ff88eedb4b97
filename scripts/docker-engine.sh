#!/usr/bin/env bash
# Installs and starts a Docker engine new enough for kind (23 or later) on
# Debian bookworm, as root: bookworm's docker.io 20.10 cannot start kind's
# privileged nodes where the VM's capability set lacks some (moby/moby#42933),
# so docker.io comes from trixie, the next suite of the same mirror, pinned
# low so nothing else is taken from it. Its dependencies are met by bookworm's
# packages except containerd, which comes along from trixie.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

engine_major() { docker version --format '{{.Server.Version}}' 2>/dev/null | cut -d. -f1; }

if ! dpkg-query -W -f '${Version}' docker.io 2>/dev/null | grep -qE '^(2[3-9]|[3-9][0-9])\.'; then
  # The trixie suite, from the same mirror as bookworm's own entry.
  mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
  [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 ~ /^bookworm$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  [ -n "$mirror" ] || { echo "docker-engine: cannot tell this machine's Debian mirror (no debian.sources or sources.list entry)" >&2; exit 2; }
  cat > /etc/apt/sources.list.d/certdrill-trixie.sources <<SOURCES
Types: deb
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  cat > /etc/apt/preferences.d/certdrill-trixie <<PIN
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends docker.io/trixie iptables ca-certificates >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  # A dockerd of an older package may still run: restart it on the new one.
  pkill -x dockerd 2>/dev/null && sleep 2 || true
  nohup dockerd >/var/log/certdrill-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  if ! docker info >/dev/null 2>&1; then
    echo "docker-engine: dockerd did not start; its log:" >&2
    tail -50 /var/log/certdrill-dockerd.log >&2
    exit 1
  fi
fi
echo "Docker engine $(docker version --format '{{.Server.Version}}')"
[ "$(engine_major)" -ge 23 ] || { echo "docker-engine: the running engine is older than 23; stop it and run again" >&2; exit 1; }
