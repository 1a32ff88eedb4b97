#!/usr/bin/env bash
# Builds cert-manager's controller from the Go module proxy, with no registry
# and no source in this repository: a wrapper module that requires
# github.com/cert-manager/cert-manager at the pinned version and restates that
# module's own replace block, built static. Cached by version and by a hash of
# this folder; seconds once built.
#
#   build.sh           build (or reuse) it; prints the controller's path
#   build.sh --crds    print a folder of its CRDs (the module's deploy/crds, Helm labels stripped)
#
# Exit status 2, with one line, when something it needs is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
. "$here/versions.env"
step() { printf '[cert-manager] %s\n' "$*" >&2; }
need() { printf 'cert-manager: %s\n' "$*" >&2; exit 2; }

hash=$(cd "$here" && cat versions.env build.sh | sha256sum | cut -c1-12)
work="${CERTDRILL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/certdrill}/cert-manager/${CERT_MANAGER_VERSION}-${hash}"
module=github.com/cert-manager/cert-manager

command -v go >/dev/null 2>&1 || need "the Go toolchain is missing (it builds cert-manager from the Go module proxy): install Go 1.20 or newer, then run again"
source_dir() {
  go mod download -json "$module@$CERT_MANAGER_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'
}

if [ "${1:-}" = "--crds" ]; then
  if [ ! -d "$work/crds" ]; then
    src=$(source_dir) || need "the Go module proxy did not give $module@$CERT_MANAGER_VERSION"
    mkdir -p "$work/crds.tmp"
    # The chart's template expressions sit in the CRDs' labels: a plain apply refuses them.
    for f in "$src"/deploy/crds/crd-*.yaml; do grep -v '{{' "$f" > "$work/crds.tmp/$(basename "$f")"; done
    mv "$work/crds.tmp" "$work/crds"
  fi
  echo "$work/crds"
  exit 0
fi

bin="$work/bin/controller"
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
started=$(date +%s)
step "controller $CERT_MANAGER_VERSION: building from the Go module proxy (about 5 minutes on 2 cores the first time)"
src=$(source_dir) || need "the Go module proxy did not give $module@$CERT_MANAGER_VERSION"
wrapper="$work/module"
rm -rf "$wrapper" && mkdir -p "$wrapper" "$work/bin"
{
  printf 'module certdrill.local/cert-manager-controller\n\ngo 1.19\n\nrequire %s %s\n\n' "$module" "$CERT_MANAGER_VERSION"
  # Only the replace block: letting the go command add requires of its own pulls newer modules that no longer build together.
  awk '/^replace \($/{on=1} on{print} on&&/^\)$/{exit}' "$src/go.mod"
} > "$wrapper/go.mod"
(
  cd "$wrapper"
  CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
    -ldflags "-s -w -X $module/pkg/util.AppVersion=$CERT_MANAGER_VERSION" \
    -o "$bin.tmp" "$module/cmd/controller"
)
mv "$bin.tmp" "$bin"
step "controller $CERT_MANAGER_VERSION: built in $(($(date +%s) - started)) s"
echo "$bin"
