# build of two builds whose only difference is shifted line numbers (a longer
# comment at the top of the file): exit 3, no code difference.
. "$TEST_LIB"
build_case line_only
expect_exit 3 "$NONSTOP" build -o lines.nsp --binary v1/prog v1 v2
