#!/bin/sh
# Compile Hello.java with the JDK's javac (JAVA_HOME, else javac on PATH) and pack
# build/hello.jar: AppCDS archives classes from JAR files only, never from a class directory.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
javac=${JAVA_HOME:+$JAVA_HOME/bin/}javac
command -v "$javac" >/dev/null 2>&1 || { echo "java-hello: javac not found; install a JDK (Debian: apt-get install openjdk-17-jdk-headless) or set JAVA_HOME" >&2; exit 1; }
mkdir -p "$here/build/classes"
"$javac" -d "$here/build/classes" "$here/Hello.java"
jar=${JAVA_HOME:+$JAVA_HOME/bin/}jar
"$jar" --create --file "$here/build/hello.jar" --main-class Hello -C "$here/build/classes" .
echo "java-hello: built $here/build/hello.jar"
