/* clang-format off */
/* Step functions from an EBM and from boosted stumps.
 *
 * Compiled by pwlc. Edit the numbers freely, then read this file back with
 * `pwlc compile FILE.c -t pwl` (pwlc parses it; it never runs it).
 *
 * ABI (C99; no allocation, no global state):
 *   double raw_score(const struct raw_score_input *row);  -- the prediction
 *   void raw_score_batch(size_t n, const struct raw_score_columns *columns, double *out);
 * raw_score_batch writes the prediction of row i, read from column arrays, to out[i].
 * A numeric input is a double, NaN when missing. A categorical input is a
 * NUL-terminated UTF-8 string compared byte for byte with the categories, NULL
 * when missing; write an integer category by its decimal digits ("3").
 * raw_score_input_names lists the input names in field order, then NULL.
 * Compile with standard floating point (no -ffast-math); link with -lm.
 */
/* clang-format on */

/* --- pwlc runtime (not read back) --- */

/* Every product is rounded before it is added, as the reference evaluator computes: no fused
   multiply-add, which clang (any mode) and gcc (GNU modes) form where the CPU has one. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The helpers are static inline; those that no term of the file calls are not warned about. */
#if defined(__GNUC__)
#define PWLC_HELPER static inline __attribute__((unused))
#else
#define PWLC_HELPER static inline
#endif

#define PWLC_COUNT(array) (sizeof(array) / sizeof((array)[0]))

enum pwlc_edge_side { PWLC_UPPER, PWLC_LOWER }; /* the bin a value on an edge falls in */

/* Whether an edge counts as below x: an edge equal to x does when at_edge is PWLC_UPPER.
   One comparison either way, so that a search compiles to selects, not branches. */
#define PWLC_BELOW(edge, x, at_edge) ((at_edge) == PWLC_UPPER ? (edge) <= (x) : (edge) < (x))

/* How many of the n sorted edges (every stride-th double) lie below x, with no branch on
   x: up to 16 edges by counting them (the comparisons do not wait on each other); more by
   a binary search whose every level selects the half to keep, so that no level is a
   mispredicted jump and the searches of consecutive rows overlap in the CPU. */
PWLC_HELPER size_t pwlc_rank(double x, const double *edges, size_t n, size_t stride, enum pwlc_edge_side at_edge)
{
    size_t base = 0, half, i; /* edges[0 .. base) lie below x; edges[base + n ..) do not */
    if (n <= 16) {
        for (i = 0; i < n; i++)
            base += PWLC_BELOW(edges[i * stride], x, at_edge);
        return base;
    }
    while (n > 1) {
        half = n / 2;
        base = PWLC_BELOW(edges[(base + half - 1) * stride], x, at_edge) ? base + half : base;
        n -= half;
    }
    return base + PWLC_BELOW(edges[base * stride], x, at_edge);
}

/* `first` below the first edge, then the value paired with each {edge, value} above it. */
PWLC_HELPER double pwlc_step(double x, double first, const double steps[][2], size_t n, enum pwlc_edge_side at_edge,
                             double missing)
{
    size_t k = n > 0 ? pwlc_rank(x, (const double *)steps, n, 2, at_edge) : 0; /* the edges: every second double */
    double y = k == 0 ? first : steps[k - 1][1];
    return isnan(x) ? missing : y;
}

/* The batch scores a block of at most PWLC_BLOCK rows at a time, one term after the other,
   so that the block's sums stay in the cache and each term's loop runs over one column. */
#define PWLC_BLOCK 256

PWLC_HELPER size_t pwlc_block(size_t rows)
{
    return rows < PWLC_BLOCK ? rows : PWLC_BLOCK;
}

PWLC_HELPER void pwlc_zero_rows(size_t m, double *sum)
{
    size_t i;
    for (i = 0; i < m; i++)
        sum[i] = 0.0;
}

/* Asks the CPU to fetch a column's rows two blocks ahead of `column`, the current block
   (size: the bytes of one row). A batch reads 20 columns or so a block at a time, a few
   KiB from each, which the CPU's own prefetching follows too late. The address is
   computed as an integer: past the column's end, where a prefetch does no harm. */
#if defined(__GNUC__)
#define PWLC_PREFETCH(address) __builtin_prefetch(address)
#else
#define PWLC_PREFETCH(address) ((void)(address))
#endif

PWLC_HELPER void pwlc_prefetch(const void *column, size_t size)
{
    uintptr_t ahead = (uintptr_t)column + 2 * PWLC_BLOCK * size;
    size_t i;
    for (i = 0; i < PWLC_BLOCK * size; i += 64) /* a cache line */
        PWLC_PREFETCH((const void *)(ahead + i));
}

PWLC_HELPER void pwlc_constant_rows(size_t m, double *sum, double value)
{
    size_t i;
    for (i = 0; i < m; i++)
        sum[i] += value;
}

/* Adds term(x[i]) to sum[i] for each of the m rows. */
PWLC_HELPER void pwlc_numeric_rows(size_t m, const double *x, double *sum, double (*term)(double))
{
    size_t i;
    pwlc_prefetch(x, sizeof(double));
    for (i = 0; i < m; i++)
        sum[i] += term(x[i]);
}

/* --- end of pwlc runtime --- */

/* One field per input, in the order of raw_score_input_names. */
struct raw_score_input {
    double income;
    double debt_ratio;
    double months_since_default;
};

const char *const raw_score_input_names[] = {"income", "debt_ratio", "months_since_default", NULL};

/* The functions this file exports (declared in the header too). */
double raw_score(const struct raw_score_input *row);

/* step on "income": the first value, then {edge, value above it} */
static double income_step(double x)
{
    static const double steps[][2] = {
        {20000.0, -0.5},
        {35000.5, 0.0},
        {80000.0, 0.875},
        {150000.0, 1.5},
    };
    return pwlc_step(x, -1.25, steps, PWLC_COUNT(steps), PWLC_UPPER, -0.75);
}

/* step on "debt_ratio": the first value, then {edge, value above it} */
static double debt_ratio_step(double x)
{
    static const double steps[][2] = {{0.2, 0.1}, {0.35, -0.2}, {0.5, -0.9}};
    return pwlc_step(x, 0.3, steps, PWLC_COUNT(steps), PWLC_LOWER, NAN);
}

/* step on "months_since_default": the first value, then {edge, value above it} */
static double months_since_default_step(double x)
{
    return pwlc_step(x, -1.0, NULL, 0, PWLC_LOWER, 0.4);
}

/* The prediction: the sum of one term a line. */
double raw_score(const struct raw_score_input *row)
{
    return 12.5
        + income_step(row->income)
        + debt_ratio_step(row->debt_ratio)
        + months_since_default_step(row->months_since_default);
}

/* --- pwlc batch interface: the terms again, a block of rows at a time --- */

/* One array of n values per input, for raw_score_batch. */
struct raw_score_columns {
    const double *income;
    const double *debt_ratio;
    const double *months_since_default;
};

void raw_score_batch(size_t n, const struct raw_score_columns *columns, double *out);

/* The terms of raw_score again, in the same order, each added to the m rows from row
   `start` of the columns. When pwlc reads this file back it checks that this list is
   raw_score's: after editing the terms of raw_score, edit this list too or regenerate. */
static void raw_score_rows(const struct raw_score_columns *columns, size_t start, size_t m, double *sum)
{
    pwlc_zero_rows(m, sum);
    pwlc_constant_rows(m, sum, 12.5);
    pwlc_numeric_rows(m, columns->income + start, sum, income_step);
    pwlc_numeric_rows(m, columns->debt_ratio + start, sum, debt_ratio_step);
    pwlc_numeric_rows(m, columns->months_since_default + start, sum, months_since_default_step);
}

/* raw_score of rows 0 .. n-1 of the columns, written to out[0 .. n-1]. */
void raw_score_batch(size_t n, const struct raw_score_columns *columns, double *out)
{
    size_t start;
    for (start = 0; start < n; start += PWLC_BLOCK)
        raw_score_rows(columns, start, pwlc_block(n - start), out + start);
}
