#!/bin/sh
# The pre-flight check (what a Kubernetes init container runs): exits 1 with a
# one-line reason when the node certificate or its CA is not valid now, or
# expires within CERTDRILL_PREFLIGHT_MARGIN seconds.
exec erl -noshell -noinput -pa /app/ebin -eval 'certdrill_preflight:main()'
