#!/bin/sh
# Bench the JVM example with thaw bench: cold vs AppCDS (dynamic archive made by appcds.sh)
# vs C1 only (-XX:TieredStopAtLevel=1). -Xshare:on makes the AppCDS run fail loudly rather
# fall back silently when the archive cannot be used. Extra arguments go to thaw bench.
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
  -c appcds="$java -XX:SharedArchiveFile=$here/build/app.jsa -Xshare:on -cp $jar Hello" \
  -c c1="$java -XX:TieredStopAtLevel=1 -cp $jar Hello" \
  --json "$here/build/bench.json" --markdown "$here/build/bench.md" --html "$here/build/bench.html" "$@"
