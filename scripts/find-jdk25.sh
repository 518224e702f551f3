# Sourced by ./headroom and .ci/run: sets JAVA_HOME to a JDK 25, or explains where it looked and returns 1.
# Looks at $JAVA_HOME first, then /usr/lib/jvm/*25*, then the java on PATH.
headroom_find_jdk25() {
  local tried=() c v
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for c in /usr/lib/jvm/*25*; do [ -d "$c" ] && candidates+=("$c"); done
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for c in "${candidates[@]}"; do
    if [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ]; then
      v=$("$c/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
      if [ "$v" = "25" ]; then
        export JAVA_HOME="$c"
        return 0
      fi
      tried+=("$c (Java ${v:-?})")
    else
      tried+=("$c (no bin/java and bin/javac)")
    fi
  done
  {
    echo "Headroom needs a JDK 25 and found none."
    if [ ${#tried[@]} -gt 0 ]; then
      echo "Looked at:"; printf '  %s\n' "${tried[@]}"
    else
      echo "Looked at: \$JAVA_HOME (unset), /usr/lib/jvm/*25* (none), java on PATH (none)."
    fi
    echo "Install one (for example Eclipse Temurin 25: apt-get install temurin-25-jdk, or unpack it under /usr/lib/jvm/)"
    echo "and/or set JAVA_HOME to it."
  } >&2
  return 1
}
