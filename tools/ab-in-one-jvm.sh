# Sourced by tools/gemm-ab.sh and tools/attention-ab.sh: compiles RUN_JAVA (one side's runner, in the
# engine's package) against each of two jars and runs MAIN_JAVA, which loads each jar with its runner in a
# class loader of its own and alternates them (tools/ab/SideProperties.java, compiled with it, sets one side's
# -Da.props= / -Db.props= while its classes initialise).
#   ab_in_one_jvm RUN_JAVA MAIN_JAVA MAIN_CLASS A.jar B.jar [args...]     (JAVA_OPTS passes -D options)
ab_in_one_jvm() {
  local run=$1 main=$2 cls=$3 a b work side jar
  a=$(realpath "$4"); b=$(realpath "$5"); shift 5
  work=$(mktemp -d)
  trap "rm -rf '$work'" EXIT   # also when a compile fails (set -e), as the scripts' own traps did before
  for side in a b; do
    jar=$([ $side = a ] && echo "$a" || echo "$b")
    "$JAVA_HOME/bin/javac" --add-modules=jdk.incubator.vector -cp "$jar" -d "$work/$side" "$run" 2>&1 \
      | { grep -v -E 'incubating|^1 warning' || true; }
  done
  "$JAVA_HOME/bin/javac" -d "$work/main" "$main" tools/ab/SideProperties.java
  "$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED ${JAVA_OPTS:-} -cp "$work/main" "$cls" "$a" "$work/a" "$b" "$work/b" "$@" 2>&1 \
    | grep -v 'WARNING: Using incubator modules'
}
