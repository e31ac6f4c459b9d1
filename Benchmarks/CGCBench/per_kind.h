/* Compiles the header BENCH_BODY names once per store kind, with KIND (a
 * WW_STORE_* constant) and NAME(x) defined, so each copy's ww_store_kind
 * is exactly its barrier (a plain store, or a store and a card mark) and
 * never a test of the kind at run time. No include guard: the point is to
 * be included once per benchmark, expanding its body three times. */
#define KIND WW_STORE_PLAIN
#define NAME(x) x##_plain
#include BENCH_BODY
#undef KIND
#undef NAME
#define KIND WW_STORE_CARD
#define NAME(x) x##_card
#include BENCH_BODY
#undef KIND
#undef NAME
#define KIND WW_STORE_CARD_CONDITIONAL
#define NAME(x) x##_card_conditional
#include BENCH_BODY
#undef KIND
#undef NAME
