#!/bin/sh
# Builds certdrill-clock in a workload image's `clock-shim` stage, from the
# copy of this folder the build gets (ImageSource.include): Debian's gcc, a
# static binary at /certdrill-clock for the image's final stage to copy.
set -eu
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gcc libc6-dev
rm -rf /var/lib/apt/lists/*
gcc -O2 -Wall -Wextra -Werror -static -o /certdrill-clock "$(dirname "$0")/certdrill-clock.c" "$(dirname "$0")/offset.c" "$(dirname "$0")/vdso.c"
