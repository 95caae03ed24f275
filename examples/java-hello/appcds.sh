#!/usr/bin/env bash
# Create the AppCDS archive build/app.jsa (JDK 13+ dynamic archive, JEP 350): start the server
# with -XX:ArchiveClassesAtExit, send it the request the benchmark sends, stop it; the JVM
# writes the classes it loaded into the archive as it exits. Runs build.sh first if needed.
# The request goes through bash's /dev/tcp, so nothing beyond bash and the JDK is needed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
[ -f "$here/build/hello.jar" ] || "$here/build.sh"
port=${PORT:-18089}
rm -f "$here/build/app.jsa"
PORT=$port "$java" -XX:ArchiveClassesAtExit="$here/build/app.jsa" -cp "$here/build/hello.jar" Hello >"$here/build/appcds.log" 2>&1 &
pid=$!
hello() {
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf 'GET /hello HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  IFS= read -r status <&3
  while IFS= read -r -u 3 _; do :; done
  exec 3<&-
  case $status in *" 200 "*) return 0 ;; *) return 1 ;; esac
}
i=0
until hello 2>/dev/null; do
  i=$((i + 1))
  if [ $i -gt 300 ] || ! kill -0 $pid 2>/dev/null; then
    echo "java-hello: the training run did not answer on port $port" >&2
    cat "$here/build/appcds.log" >&2
    kill $pid 2>/dev/null || true
    exit 1
  fi
  sleep 0.05
done
kill -TERM $pid
wait $pid || true
[ -s "$here/build/app.jsa" ] || { echo "java-hello: no archive written" >&2; cat "$here/build/appcds.log" >&2; exit 1; }
echo "java-hello: AppCDS archive $here/build/app.jsa ($(wc -c <"$here/build/app.jsa") bytes)"
