#!/bin/sh
# Bench the JVM example with thaw bench: cold vs AppCDS (dynamic archive made by appcds.sh)
# vs C1 only (-XX:TieredStopAtLevel=1). Extra arguments go to thaw bench (e.g. --runs 30).
# Results: build/bench.{json,md,html}.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
"$here/build.sh"
"$here/appcds.sh"
jar=$here/build/hello.jar
exec "$here/../../bin/thaw" bench \
  --ready 'http://127.0.0.1:$PORT/hello' --expect 'Hello World' --warmup 1 --runs 20 --after 20 \
  -c cold="$java -cp $jar Hello" \
  -c appcds="$java -XX:SharedArchiveFile=$here/build/app.jsa -cp $jar Hello" \
  -c c1="$java -XX:TieredStopAtLevel=1 -cp $jar Hello" \
  --json "$here/build/bench.json" --markdown "$here/build/bench.md" --html "$here/build/bench.html" "$@"
