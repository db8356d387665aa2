# Sourced by tools that run one Java file against an engine jar (tools/replica-ab.sh, tools/gemm-cores.sh,
# tools/gemm-shared.sh): compiles SOURCE against JAR and runs CLASS with the jar on the class path.
#   run_with_jar SOURCE CLASS JAR [args...]     (JVM_FLAGS: the tool's own JVM flags; JAVA_OPTS: the caller's -D options)
run_with_jar() {
  local source=$1 cls=$2 jar work
  jar=$(realpath "$3"); shift 3
  work=$(mktemp -d)
  trap "rm -rf '$work'" EXIT
  "$JAVA_HOME/bin/javac" --add-modules=jdk.incubator.vector -cp "$jar" -d "$work" "$source" 2>&1 \
    | { grep -v -E 'incubating|^1 warning' || true; }
  "$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector ${JVM_FLAGS:-} ${JAVA_OPTS:-} -cp "$work:$jar" "$cls" "$@" 2>&1 \
    | grep -v 'WARNING: Using incubator modules'
}
