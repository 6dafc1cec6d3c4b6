# show lists what a patch changes, by name; --json prints a JSON object;
# build --name sets the patch's name.
. "$TEST_LIB"
build_case new_global
expect_exit 0 "$NONSTOP" build --name my-fix -o fix.nsp --binary v1/prog v1 v2
expect_exit 0 "$NONSTOP" show fix.nsp
expect_stdout_match 'my-fix'
expect_stdout_match '\<compute\>'
expect_stdout_match '\<helper\>'
expect_stdout_match '\<extra_calls\>'
expect_exit 0 "$NONSTOP" show --json fix.nsp
expect_stdout_match '^[[:space:]]*\{'
expect_stdout_match '"my-fix"'
