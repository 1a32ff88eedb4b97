#!/usr/bin/env bash
# Builds a Go program the tests run beside certdrill, but that certdrill does
# not manage (the distribution registry, rancher's local-path provisioner),
# from the Go module proxy, static, into an image on the Debian base image.
# Cached by version and by a hash of this script and the image's folder;
# prints the image's tag.
#
#   go-image.sh NAME VERSION MODULE PACKAGE FOLDER
#
# NAME is the binary's name in FOLDER (which holds its Dockerfile), PACKAGE the
# main package's path inside MODULE ("." for the module's root).
# Exit status 2, with one line, when something it needs is missing.
set -euo pipefail
name=$1 version=$2 module=$3 package=$4 folder=$(cd "$5" && pwd)
step() { printf '[%s] %s\n' "$name" "$*" >&2; }
need() { printf '%s: %s\n' "$name" "$*" >&2; exit 2; }

hash=$( (cat "$0"; cd "$folder" && find . -type f | sort | xargs cat) | sha256sum | cut -c1-12)
tag="certdrill-test/${name}:${version}-${hash}"
if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag"
  exit 0
fi
command -v go >/dev/null 2>&1 || need "the Go toolchain is missing (it builds $name from the Go module proxy): install Go, then run again"
work="${CERTDRILL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/certdrill}/test-${name}/${version}-${hash}"
bin="$work/context/$name"
path="$module"
[ "$package" = . ] || path="$module/$package"
if [ ! -x "$bin" ]; then
  started=$(date +%s)
  step "$module $version: building from the Go module proxy (a few minutes on 2 cores the first time)"
  rm -rf "$work/module" && mkdir -p "$work/module" "$work/context"
  printf 'module certdrill.local/test-%s\n\ngo 1.26\n\nrequire %s %s\n' "$name" "$module" "$version" > "$work/module/go.mod"
  (
    cd "$work/module"
    CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags '-s -w' -o "$bin.tmp" "$path"
  ) || need "the build of $module@$version failed (above)"
  mv "$bin.tmp" "$bin"
  step "$module $version: built in $(($(date +%s) - started)) s"
fi
cp -r "$folder/." "$work/context/"
docker build -q -t "$tag" "$work/context" >/dev/null
echo "$tag"
