# build of two identical builds: exit 3, "no code difference".
. "$TEST_LIB"
compile_dir "$CASES/global_func/v1" a
compile_dir "$CASES/global_func/v1" b
link_dir a a/prog
expect_exit 3 "$NONSTOP" build -o same.nsp --binary a/prog a b
