#!/usr/bin/env bash
# The independent instrument for `npm run bench:selfcheck`, after the CRaC demos' timing
# scripts: start the server, poll 127.0.0.1:PORT through bash's own /dev/tcp every 0.5 ms
# (no process per attempt), read one complete HTTP/1.0 answer, kill the server; nothing forks
# between the answer and the exit. hyperfine times this script from spawn to exit, so nothing
# of thaw takes part in the measurement.
#   usage: benchmarks/selfcheck.sh PORT COMMAND [ARGS…]   (the server listens on $PORT)
#          benchmarks/selfcheck.sh --noop                 (bash's own start and exit, to subtract)
[ "$1" = --noop ] && exit 0
port=$1
shift
PORT=$port "$@" >/dev/null 2>&1 &
pid=$!
# read -t on an idle FIFO is a sub-ms sleep without a fork; set up while the server starts.
fifo=$(mktemp -u)
mkfifo "$fifo" && exec 9<>"$fifo" && rm -f "$fifo"
until exec 3<>"/dev/tcp/127.0.0.1/$port"; do
  read -r -t 0.0005 -u 9
  if [ $SECONDS -gt 60 ]; then echo "selfcheck: nothing listens on $port after 60 s" >&2; kill -9 "$pid"; exit 1; fi
done 2>/dev/null
printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
IFS= read -r status <&3
while IFS= read -r -u 3 _; do :; done # builtins only (no fork) until the server closes: the answer is complete
kill -9 "$pid"
wait "$pid" 2>/dev/null # reaped, so its port is free for the next run
case $status in
  *" 200 "*) exit 0 ;;
  *) echo "selfcheck: unexpected answer: $status" >&2; exit 1 ;;
esac
