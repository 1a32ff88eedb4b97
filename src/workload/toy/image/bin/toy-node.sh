#!/bin/sh
# A toy node: "clusters" with its peers over mutual TLS using nothing but the
# openssl command and this shell script.
#
# Each node keeps one TLS connection open to each peer, as a cluster's
# members do: it dials the peer with `openssl s_client`, presenting its own
# certificate and checking the peer's against the CA and the peer's host
# name; the peer's `openssl s_server` requires and checks the client's
# certificate (-Verify). A node sees a peer while that connection is up and
# the peer has answered over it: in TLS 1.3 the client's handshake ends before
# the server has checked the client's certificate, so only an answer shows
# the server accepted it. Certificates are checked when a connection is made,
# not while it lasts. A dropped or refused connection is dialled again a
# second later.
#
# s_server serves one connection at a time, so each node listens for each
# peer on a port of its own: $TOY_PORT + the peer's place in $TOY_NODES.
#
#   TOY_NODE   this node's host name
#   TOY_NODES  every node's host name, comma-separated, the same list on each
#   TOY_PORT   the base port
#
# $STATE/sees/<peer> exists while the node sees that peer. Every log line:
# "<node time> toy: <what happened>".
set -u
NODE=${TOY_NODE:?TOY_NODE is not set}
NODES=$(echo "${TOY_NODES:?TOY_NODES is not set}" | tr ',' ' ')
BASE=${TOY_PORT:-7440}
CERTS=/certdrill/certs
STATE=/certdrill/state

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) toy: $*"; }

# The port on which every node listens for connections from node `$1`.
port_for() {
  i=0
  for n in $NODES; do
    i=$((i + 1))
    if [ "$n" = "$1" ]; then echo $((BASE + i)); return; fi
  done
}

mkdir -p "$STATE/sees"
rm -rf "$STATE/sees/"* "$STATE/listening"
mkdir -p "$STATE/listening"
openssl x509 -enddate -noout -in "$CERTS/node.crt" | sed 's/^notAfter=//' > "$STATE/cert-not-after"

# Whether a process still runs (a zombie waiting to be reaped does not).
running() {
  read -r _ _ state _ 2>/dev/null < "/proc/$1/stat" && [ "$state" != Z ]
}

# The server for one peer: -rev answers each line the client sends, reversed.
# Its own lines become one log line per rejected or failed handshake.
serve() {
  peer=$1
  port=$(port_for "$peer")
  openssl s_server -accept "$port" -rev -cert "$CERTS/node.crt" -key "$CERTS/node.key" \
    -CAfile "$CERTS/ca.crt" -Verify 1 -verify_return_error 2>&1 | {
    subject=''
    rejected=''
    while IFS= read -r line; do
      case "$line" in
        ACCEPT*) : > "$STATE/listening/$peer" ;;
        'depth=0 '*) subject=$(echo "$line" | sed -n 's/.*CN = \([^,]*\).*/\1/p') ;;
        'verify error:num='*)
          log "server: rejected the client certificate of ${subject:-a client} (on the port for $peer): ${line#verify error:num=*:}"
          rejected=1 ;;
        *:error:*)
          # After a rejection openssl adds "certificate verify failed": the line above said it.
          if [ -z "$rejected" ]; then
            reason=$(echo "$line" | awk -F: '{ print $6 }')
            case "$reason" in
              *alert*) log "server: $peer rejected our certificate: $reason" ;;
              *) log "server: a connection on the port for $peer failed: $reason" ;;
            esac
          fi
          rejected='' ;;
      esac
    done
  }
  log "server: openssl s_server for $peer exited"
  # Without it the node could not be reached: end the node.
  kill -TERM $$
}

# The connection to one peer, made again a second after it drops or fails.
dial() {
  peer=$1
  port=$(port_for "$NODE")
  out="$STATE/dial-$peer.out"
  err="$STATE/dial-$peer.err"
  fifo="$STATE/dial-$peer.in"
  while true; do
    # The fifo, held open, keeps s_client's input from ending: the connection stays up until the peer drops it.
    rm -f "$fifo" && mkfifo "$fifo"
    exec 3<>"$fifo"
    echo "$NODE" >&3
    : > "$out"
    openssl s_client -connect "$peer:$port" -servername "$peer" -verify_hostname "$peer" -verify_return_error \
      -CAfile "$CERTS/ca.crt" -cert "$CERTS/node.crt" -key "$CERTS/node.key" -quiet <&3 >"$out" 2>"$err" &
    client=$!
    # Until the peer answers or s_client ends; an address that no longer answers gets 5 s.
    tenths=0
    while [ ! -s "$out" ] && running "$client"; do
      if [ "$tenths" -ge 50 ]; then
        kill "$client"
        echo "no answer within 5 s" >> "$err"
        break
      fi
      sleep 0.1
      tenths=$((tenths + 1))
    done
    if [ -s "$out" ]; then
      : > "$STATE/sees/$peer"
      log "client: connected to $peer (mutual TLS, both certificates verified; it answered \"$(head -n 1 "$out")\")"
    fi
    wait "$client"
    exec 3>&-
    verify=$(sed -n 's/^verify error:num=[0-9]*://p' "$err" | head -n 1)
    # openssl's error lines: "<hex>:error:<code>:<library>:<function>:<reason>:<file>:<line>:<data>".
    reason=$(awk -F: '/:error:/ { print $6 ($9 != "" ? " (" $9 ")" : ""); exit }' "$err")
    if [ -e "$STATE/sees/$peer" ]; then
      rm -f "$STATE/sees/$peer"
      log "client: lost $peer: ${reason:-the connection closed}"
    elif [ -n "$verify" ]; then
      log "client: rejected the certificate of $peer: $verify"
    else
      case "$reason" in
        *alert*) log "client: $peer rejected our certificate: $reason" ;;
        *) log "client: cannot reach $peer: ${reason:-$(tail -n 1 "$err")}" ;;
      esac
    fi
    sleep 1
  done
}

trap 'exit 1' TERM
for peer in $NODES; do
  [ "$peer" = "$NODE" ] && continue
  serve "$peer" &
  dial "$peer" &
done

# Ready once every server listens.
for peer in $NODES; do
  [ "$peer" = "$NODE" ] && continue
  while [ ! -e "$STATE/listening/$peer" ]; do sleep 0.1; done
done
log "node $NODE listening on ports $((BASE + 1))-$((BASE + $(echo $NODES | wc -w))) (openssl s_server, client certificates required)"

# Until a server exits (its trap) or the node is stopped.
wait
exit 1
