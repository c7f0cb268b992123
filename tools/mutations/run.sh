#!/usr/bin/env bash
# The mutation check (`./mcf test --mutations [ID...]`, tools/mutations/README.md): applies each
# mutation of tools/mutations/mutations.sh alone in a scratch copy of the tree, rebuilds it
# incrementally, runs the tests named for it and requires them to fail. Prints and writes a table
# (id | result | killed by | time); exits 1 if any mutation survives, no longer applies, or does
# not compile, 2 on a usage or set-up error.
#
#   tools/mutations/run.sh [--check] [--list] [--no-baseline] [ID...]
#     --check        only verify that every mutation still applies (no build, no tests)
#     --list         print the ids and descriptions
#     --no-baseline  skip running the named tests on the unmutated copy first
#
# The working tree is never touched: the copy lives in $BUILD_DIR/mutations/tree (or
# $MCF_MUTATIONS_DIR, with its own
# build directory, configured once) and is re-synced from the working tree on every run. Not safe
# to run twice at once on one build directory.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${MCF_BUILD_DIR:-build}"
OUT="$ROOT/$BUILD_DIR/mutations"
SCRATCH="${MCF_MUTATIONS_DIR:-$OUT/tree}"  # the copy; its build directory is $SCRATCH/build
SBUILD="$SCRATCH/build"
LIST="${MCF_MUTATIONS_LIST:-$ROOT/tools/mutations/mutations.sh}"  # another list: to test the runner
TEST_TIMEOUT="${MCF_MUTATION_TEST_TIMEOUT:-300}"  # per test, seconds (a hang counts as a kill)

log() { printf '[mutations] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }

# --- the list ----------------------------------------------------------------------------------
IDS=()
declare -A M_FILE M_TESTS M_DESC M_FROM M_TO
mutation() {
  (($# == 6)) || die "mutation ${1:-?}: expected 6 fields (id file tests description from to), got $#"
  local id="$1"
  [[ "$id" =~ ^[a-z0-9-]+$ ]] || die "mutation id '$id': use [a-z0-9-]"
  [[ -z "${M_FILE[$id]+x}" ]] || die "mutation $id is listed twice"
  [[ -n "$3" && -n "$5" ]] || die "mutation $id: tests and original text must not be empty"
  IDS+=("$id")
  M_FILE[$id]="$2"; M_TESTS[$id]="$3"; M_DESC[$id]="$4"; M_FROM[$id]="$5"; M_TO[$id]="$6"
}
# shellcheck source=tools/mutations/mutations.sh
source "$LIST"

# Replaces the one occurrence of FROM in FILE by TO (with --count: only counts). Prints the
# number of occurrences and exits 3 unless it is exactly one. Literal text, no patterns.
replace_once() {  # file from to [--count]
  MUT_FROM="$2" MUT_TO="$3" MUT_COUNT_ONLY="${4:-}" perl -e '
    my $path = shift;
    my ($from, $to) = ($ENV{MUT_FROM}, $ENV{MUT_TO});
    open(my $in, "<", $path) or do { print "0\n"; exit 3 };
    my $text = do { local $/; <$in> };
    close $in;
    my ($n, $pos, $at) = (0, 0, -1);
    while (($pos = index($text, $from, $pos)) >= 0) { $n++; $at = $pos; $pos += length $from }
    print "$n\n";
    exit 3 if $n != 1;
    exit 0 if $ENV{MUT_COUNT_ONLY};
    substr($text, $at, length $from) = $to;
    open(my $out, ">", $path) or die "$path: $!";
    print $out $text;
    close $out or die "$path: $!";
  ' "$1"
}

check_applies() {  # id tree -> 0, or prints why not
  local id="$1" tree="$2" n
  n="$(replace_once "$tree/${M_FILE[$id]}" "${M_FROM[$id]}" "${M_TO[$id]}" --count)" && return 0
  log "mutation $id no longer applies: its original text occurs $n times in ${M_FILE[$id]}" \
      "(must be exactly once; update tools/mutations/mutations.sh)"
  return 1
}

# --- arguments ---------------------------------------------------------------------------------
check_only=0 baseline=1 selected=()
while (($#)); do
  case "$1" in
    --check) check_only=1 ;;
    --no-baseline) baseline=0 ;;
    --list)
      for id in "${IDS[@]}"; do printf '%-28s %s\n' "$id" "${M_DESC[$id]}"; done
      exit 0 ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) [[ -n "${M_FILE[$1]+x}" ]] || die "no mutation '$1' (see --list)"; selected+=("$1") ;;
  esac
  shift
done
((${#selected[@]})) || selected=("${IDS[@]}")

if ((check_only)); then
  bad=0
  for id in "${selected[@]}"; do check_applies "$id" "$ROOT" || bad=1; done
  ((bad)) || log "all ${#selected[@]} mutations apply"
  exit "$bad"
fi

# --- the scratch copy --------------------------------------------------------------------------
# ccache hits across the two trees only with paths made relative to each tree and the build
# directory left out of the hash (./mcf build exports the same for the working tree). A base
# directory that already contains the copy (the tree root from ./mcf, or /) is kept: it relativizes
# the same paths in both trees.
if [[ -z "${CCACHE_BASEDIR:-}" || "$SCRATCH/" != "${CCACHE_BASEDIR%/}/"* ]]; then
  export CCACHE_BASEDIR="$SCRATCH"
fi
export CCACHE_NOHASHDIR=1

APPLIED="$OUT/applied"  # the file a mutation is applied to while one is, for a later run to repair
restore() {
  [[ -f "$APPLIED" ]] || return 0
  local rel
  rel="$(cat "$APPLIED")"
  if [[ -n "$rel" && -f "$ROOT/$rel" ]]; then
    cp "$ROOT/$rel" "$SCRATCH/$rel"
    touch "$SCRATCH/$rel"  # newer than the mutant's object: the next build recompiles it
  fi
  rm -f "$APPLIED"
}

sync_tree() {
  mkdir -p "$SCRATCH"
  # Tracked and untracked-but-not-ignored files, as the working tree has them now (mtimes kept,
  # so that unchanged files are not rebuilt).
  if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
       tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -C "$SCRATCH" -xpf -
  else  # an exported tree: everything but build output and data
    tar -C "$ROOT" --exclude=./build --exclude='./build-*' --exclude="./$BUILD_DIR" \
        --exclude=./var -cf - . | tar -C "$SCRATCH" -xpf -
  fi
  # A copy interrupted with a mutation applied: sync_tree just put the original back with its
  # old mtime, older than the mutant's object.
  if [[ -f "$APPLIED" ]]; then
    touch "$SCRATCH/$(cat "$APPLIED")"
    rm -f "$APPLIED"
  fi
}

build_scratch() {  # -> 0 built, 1 failed (output in $1)
  local logfile="$1"
  if [[ ! -f "$SBUILD/build.ninja" ]]; then
    cmake -S "$SCRATCH" -B "$SBUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$logfile" 2>&1 ||
      return 1
  fi
  cmake --build "$SBUILD" -j2 >>"$logfile" 2>&1
}

# Runs the ctest groups of TESTS in order until one has a failure. Prints the failing test names
# (comma separated) or nothing. Exit 0 = ran (see output), 1 = a group matched no test.
run_tests() {  # tests logfile
  local group failed="" out rc
  for group in $1; do
    rc=0
    out="$(ctest --test-dir "$SBUILD" -R "$group" --no-tests=error --stop-on-failure -j2 \
             --timeout "$TEST_TIMEOUT" --output-on-failure 2>&1)" || rc=$?
    printf '%s\n' "$out" >>"$2"
    if grep -q 'No tests were found' <<<"$out"; then
      printf 'no test matches %s' "$group"
      return 1
    fi
    failed="$(grep -E '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*\*\*\*' <<<"$out" |
                sed -E 's/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: ([^ ]+).*/\1/' | head -3 |
                paste -sd, - || true)"
    if [[ -z "$failed" ]] && ((rc != 0)); then failed="ctest rc=$rc ($group)"; fi
    if [[ -n "$failed" ]]; then
      printf '%s' "$failed"
      return 0
    fi
  done
  return 0
}

mkdir -p "$OUT/logs"
trap restore EXIT
trap 'exit 130' INT TERM
started=$(date +%s)
for id in "${selected[@]}"; do check_applies "$id" "$ROOT" || true; done
log "syncing $SCRATCH"
sync_tree
ccache_before="$(ccache -s 2>/dev/null | grep -E '^ *Hits:' | head -1 || true)"
log "building the unmutated copy (log: $OUT/logs/_baseline.log)"
: >"$OUT/logs/_baseline.log"
build_scratch "$OUT/logs/_baseline.log" || die "the unmutated copy does not build: $OUT/logs/_baseline.log"
log "unmutated build took $(($(date +%s) - started)) s; ccache before: ${ccache_before:-?}," \
    "after: $(ccache -s 2>/dev/null | grep -E '^ *Hits:' | head -1 || echo ?)"

if ((baseline)); then
  # A kill means something only if the named tests pass without the mutation.
  declare -A seen=()
  groups=""
  for id in "${selected[@]}"; do
    for g in ${M_TESTS[$id]}; do
      [[ -n "${seen[$g]+x}" ]] || { seen[$g]=1; groups+="$g "; }
    done
  done
  t0=$(date +%s)
  log "baseline: the named tests on the unmutated copy"
  failed="$(run_tests "$groups" "$OUT/logs/_baseline.log")" || die "baseline: $failed"
  [[ -z "$failed" ]] || die "baseline: tests fail without any mutation: $failed ($OUT/logs/_baseline.log)"
  log "baseline passed in $(($(date +%s) - t0)) s"
fi

REPORT="$OUT/report.txt"
rows=()
bad=0
for id in "${selected[@]}"; do
  t0=$(date +%s)
  file="${M_FILE[$id]}"
  logfile="$OUT/logs/$id.log"
  printf 'mutation %s: %s\nfile: %s\n' "$id" "${M_DESC[$id]}" "$file" >"$logfile"
  result="" by=""
  if ! check_applies "$id" "$SCRATCH"; then
    result="STALE" by="no longer applies: update its original text"
  else
    echo "$file" >"$APPLIED"
    replace_once "$SCRATCH/$file" "${M_FROM[$id]}" "${M_TO[$id]}" >/dev/null
    log "$id: building"
    if ! build_scratch "$logfile"; then
      result="INVALID" by="not killed - invalid mutation (does not compile, see $logfile)"
    else
      log "$id: running ${M_TESTS[$id]}"
      if ! by="$(run_tests "${M_TESTS[$id]}" "$logfile")"; then
        result="ERROR"
      elif [[ -n "$by" ]]; then
        result="killed"
      else
        result="SURVIVED" by="no named test failed: a test is missing"
      fi
    fi
    restore
  fi
  [[ "$result" == killed ]] || bad=1
  secs=$(($(date +%s) - t0))
  rows+=("$(printf '%-28s | %-8s | %-70s | %4ss' "$id" "$result" "$by" "$secs")")
  log "${rows[-1]}"
done
# Leave the copy built from the unmutated sources.
build_scratch "$OUT/logs/_final.log" || log "warning: the restored copy does not build ($OUT/logs/_final.log)"

total=$(($(date +%s) - started))
{
  printf '%-28s | %-8s | %-70s | %5s\n' "mutation" "result" "killed by (first failing tests)" "time"
  printf '%s\n' "${rows[@]}"
  printf 'total: %d mutations, %d s; %s\n' "${#selected[@]}" "$total" \
         "$( ((bad)) && echo 'FAILED: every mutation must be killed' || echo 'all killed')"
} | tee "$REPORT"
log "report: $REPORT"
exit "$bad"
