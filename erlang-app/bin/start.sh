#!/bin/sh
# Starts one certdrill node. CERTDRILL_NODE is its short node name
# (name@host, host = this container's host name as its peers resolve it).
set -eu
: "${CERTDRILL_NODE:?set CERTDRILL_NODE, e.g. certdrill@node1}"
: "${CERTDRILL_COOKIE:=certdrill}"
exec erl -noshell -noinput \
  -sname "$CERTDRILL_NODE" \
  -setcookie "$CERTDRILL_COOKIE" \
  -proto_dist inet_tls \
  -ssl_dist_optfile /app/config/ssl_dist.conf \
  -config /app/config/sys \
  -pa /app/ebin \
  -eval 'case application:ensure_all_started(certdrill_node) of {ok, _} -> ok; Error -> io:format("certdrill: start failed: ~p~n", [Error]), halt(3) end'
