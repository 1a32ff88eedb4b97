#!/usr/bin/env bash
# Builds the `distribution` registry (github.com/distribution/distribution/v3,
# cmd/registry) from the Go module proxy, static, and its image on the Debian
# base image: a registry certdrill does not manage, for the tests that run
# scenarios on a cluster that pulls its images (--platform kubernetes).
# Cached by version and by a hash of this folder; prints the image's tag.
#
# Exit status 2, with one line, when something it needs is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
DISTRIBUTION_VERSION=v3.1.2
module=github.com/distribution/distribution/v3
step() { printf '[registry] %s\n' "$*" >&2; }
need() { printf 'registry: %s\n' "$*" >&2; exit 2; }

hash=$(cd "$here" && cat build.sh Dockerfile config.yml | sha256sum | cut -c1-12)
tag="certdrill-test/registry:${DISTRIBUTION_VERSION}-${hash}"
if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag"
  exit 0
fi
command -v go >/dev/null 2>&1 || need "the Go toolchain is missing (it builds the registry from the Go module proxy): install Go, then run again"
work="${CERTDRILL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/certdrill}/test-registry/${DISTRIBUTION_VERSION}-${hash}"
bin="$work/context/registry"
if [ ! -x "$bin" ]; then
  started=$(date +%s)
  step "distribution $DISTRIBUTION_VERSION: building from the Go module proxy (a few minutes on 2 cores the first time)"
  rm -rf "$work/module" && mkdir -p "$work/module" "$work/context"
  printf 'module certdrill.local/test-registry\n\ngo 1.26\n\nrequire %s %s\n' "$module" "$DISTRIBUTION_VERSION" > "$work/module/go.mod"
  (
    cd "$work/module"
    CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags '-s -w' -o "$bin.tmp" "$module/cmd/registry"
  ) || need "the build of $module@$DISTRIBUTION_VERSION failed (above)"
  mv "$bin.tmp" "$bin"
  step "distribution $DISTRIBUTION_VERSION: built in $(($(date +%s) - started)) s"
fi
cp "$here/Dockerfile" "$here/config.yml" "$work/context/"
docker build -q -t "$tag" "$work/context" >/dev/null
echo "$tag"
