# The generator test corpus (tests/gen/, issue 3): every case of
# tests/gen/cases × gcc, clang × -O0, -O2, -O3 through nonstop build,
# checked against the case's expect file. See tests/gen/run_corpus.sh.
# About 260 combinations: a few minutes on 2 cores, hence the longer limit.
# CORPUS_LEVELS="O2" runs one level only (a quick check while developing).
# timeout: 900
. "$TEST_LIB"
LEVELS=${CORPUS_LEVELS:-O0 O2 O3} bash "$TESTS/gen/run_corpus.sh"
