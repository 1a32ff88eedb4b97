#!/usr/bin/env bash
# Builds the real etcd-manager, unmodified but for what a modern Go needs, from
# its upstream source: no module proxy serves etcd-manager and no registry is
# reachable here, so the source comes from a folder the user points at.
#
#   build.sh VERSION...      build (or reuse) each; prints "VERSION PATH" per binary
#   build.sh --check VERSION...   say, in one line and exit 2, what is missing; build nothing
#
# CERTDRILL_ETCD_MANAGER_SOURCE: a folder holding, per version, the tree
# etcd-manager-<version>/ or its tarball etcd-manager-<version>.tar.{xz,gz}
# (`git archive <tag>` of github.com/kubernetes-sigs/etcd-manager, formerly
# kopeio/etcd-manager), or one such tree or tarball.
# Binaries are cached under ${CERTDRILL_CACHE_DIR:-~/.cache/certdrill}/etcd-manager/,
# keyed by a hash of the source and of this script; Go's build cache makes a
# rebuild of another version take seconds where they share packages.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
need() { printf 'etcd-manager: %s\n' "$*" >&2; exit 2; }
step() { printf '[etcd-manager] %s\n' "$*" >&2; }
check=false
if [ "${1:-}" = --check ]; then check=true; shift; fi
[ $# -gt 0 ] || need "usage: build.sh [--check] VERSION..."
source_dir="${CERTDRILL_ETCD_MANAGER_SOURCE:-}"
[ -n "$source_dir" ] || need "no source: set CERTDRILL_ETCD_MANAGER_SOURCE to a folder with etcd-manager-<version>.tar.xz (git archive of the tag, from github.com/kubernetes-sigs/etcd-manager), then run again"
[ -e "$source_dir" ] || need "CERTDRILL_ETCD_MANAGER_SOURCE=$source_dir does not exist: point it at a folder with etcd-manager-<version>.tar.xz, then run again"
cache="${CERTDRILL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/certdrill}/etcd-manager"
script_hash=$(sha256sum "$0" | cut -c1-12)

# The tree or tarball of one version in the source.
find_source() {
  local v=$1 f
  for f in "$source_dir/etcd-manager-$v" "$source_dir/etcd-manager-$v.tar.xz" "$source_dir/etcd-manager-$v.tar.gz"; do
    [ -e "$f" ] && { echo "$f"; return; }
  done
  # One tree or tarball given directly.
  case "$(basename "$source_dir")" in
    "etcd-manager-$v" | "etcd-manager-$v.tar.xz" | "etcd-manager-$v.tar.gz") echo "$source_dir"; return ;;
  esac
  return 1
}

for v in "$@"; do
  find_source "$v" >/dev/null || need "no source for $v in $source_dir: add etcd-manager-$v.tar.xz (git archive $v of github.com/kubernetes-sigs/etcd-manager), then run again"
done
$check && exit 0
command -v go >/dev/null 2>&1 || need "the Go toolchain is missing (it builds etcd-manager, and reflect2 from the Go module proxy): install Go 1.24 or newer, then run again"

export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=vendor
for v in "$@"; do
  src=$(find_source "$v")
  if [ -d "$src" ]; then key=$( (cd "$src" && find . -type f -name '*.go' -o -type f -name modules.txt | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -c1-12)
  else key=$(sha256sum "$src" | cut -c1-12); fi
  out="$cache/$v-$key-$script_hash"
  if [ -x "$out/etcd-manager" ]; then echo "$v $out/etcd-manager"; continue; fi
  step "$v: building from $src (cold: minutes on 2 cores; seconds with Go's build cache)"
  work="$cache/work/$v"
  rm -rf "$work" && mkdir -p "$work"
  if [ -d "$src" ]; then cp -r "$src/." "$work/"; else tar -xf "$src" -C "$work" --strip-components=1; fi
  chmod -R u+w "$work"
  if grep -q '^# github.com/modern-go/reflect2 v1.0.1$' "$work/vendor/modules.txt"; then
    # reflect2 v1.0.1's run-time type tricks break on Go 1.18 and later; v1.0.2 (the module proxy's) fixes it.
    r2=$(GOFLAGS=-mod=mod go mod download -json github.com/modern-go/reflect2@v1.0.2 | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
    rm -rf "$work/vendor/github.com/modern-go/reflect2" && mkdir -p "$work/vendor/github.com/modern-go/reflect2"
    cp "$r2"/*.go "$r2"/*.s "$r2/LICENSE" "$work/vendor/github.com/modern-go/reflect2/" 2>/dev/null || cp "$r2"/*.go "$r2/LICENSE" "$work/vendor/github.com/modern-go/reflect2/"
    chmod -R u+w "$work/vendor/github.com/modern-go/reflect2"
    sed -i 's|^# github.com/modern-go/reflect2 v1.0.1$|# github.com/modern-go/reflect2 v1.0.2|' "$work/vendor/modules.txt"
  fi
  opts="$work/pkg/tlsconfig/options.go"
  if ! grep -q 'AltNames' "$opts"; then
    # Go 1.17 and later ignore a certificate's Common Name: the 2020 tags name the
    # gRPC server only there, so the managers' mesh would never form. Upstream's
    # later fix, restated: the same name as a DNS SAN.
    sed -i 's|^\(\s*\)CommonName: "etcd-manager-server-" + myPeerID,$|&\n\1AltNames:   certutil.AltNames{DNSNames: []string{"etcd-manager-server-" + myPeerID}},|' "$opts"
    grep -q 'AltNames' "$opts" || need "$v: pkg/tlsconfig/options.go is not as expected (no gRPC server CommonName line to add the SAN beside)"
  fi
  (cd "$work" && go build -trimpath -ldflags '-s -w' -o "$work/etcd-manager.bin" ./cmd/etcd-manager) >&2
  mkdir -p "$out" && mv "$work/etcd-manager.bin" "$out/etcd-manager"
  rm -rf "$work"
  step "$v: built $out/etcd-manager"
  echo "$v $out/etcd-manager"
done
