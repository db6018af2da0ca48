# Route registration is typed: router_add takes a handler of lib/http's
# handler type and nothing else, so a function with another signature is
# a compile error (-Werror), where a void * used to take anything.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

cc=${CC:-cc}
snippet() {	# FILE HANDLER-DEFINITION
	cat >"$1" <<C
#include "lib/router.h"
$2
int main(void) { struct router r; router_init(&r); return router_add(&r, "GET", "/x", handler, 0); }
C
}
compiles() { "$cc" -std=c11 -Wall -Wextra -Werror -fsyntax-only -I"$QUILL_SRC" "$1" 2>"$T_DIR/cc.err"; }
refused() { ! compiles "$1"; }

snippet "$T_DIR/right.c" "static void handler(struct http_request *hr) { (void)hr; }"
check "a handler of the right type is accepted" compiles "$T_DIR/right.c"
snippet "$T_DIR/wrong_arg.c" "static void handler(int *n) { (void)n; }"
check "a handler taking another argument does not compile" refused "$T_DIR/wrong_arg.c"
check "  (the compiler says why)" grep -q 'incompatible' "$T_DIR/cc.err"
snippet "$T_DIR/wrong_ret.c" "static int handler(struct http_request *hr) { (void)hr; return 0; }"
check "a handler returning a value does not compile" refused "$T_DIR/wrong_ret.c"
t_end
