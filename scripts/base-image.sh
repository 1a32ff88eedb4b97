#!/usr/bin/env bash
# Makes the base image the project's Dockerfiles start FROM available to the
# local Docker engine: pulled where a registry can be reached, otherwise built
# from Debian's own packages with debootstrap and `docker import`, so the
# Dockerfiles stay standard and work unchanged in both places.
set -euo pipefail

image=${BASE_IMAGE:-debian:bookworm-slim}
suite=${BASE_SUITE:-bookworm}

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "base image $image: already here"
  exit 0
fi
if timeout 120 docker pull "$image" >/dev/null 2>&1; then
  echo "base image $image: pulled"
  exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  echo "base image $image cannot be pulled and debootstrap is missing: apt-get install debootstrap, then run again" >&2
  exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "base image $image cannot be pulled; building it with debootstrap needs root: sudo npm run base-image" >&2
  exit 2
fi

root=$(mktemp -d /tmp/certdrill-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "base image $image: not pullable here, building it with debootstrap ($suite, minbase; about a minute)"
debootstrap --variant=minbase "$suite" "$root" >"$root.log" 2>&1 || { tail -20 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
# As in the official slim image: no package lists or caches in the layer.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
tar -C "$root" -c . | docker import - "$image" >/dev/null
echo "base image $image: built and imported"
