/* clang-format off */
/* Long step functions, as an EBM's bins and a tree ensemble's splits lower.
 *
 * Compiled by pwlc. Edit the numbers freely, then read this file back with
 * `pwlc compile FILE.c -t pwl` (pwlc parses it; it never runs it).
 *
 * ABI (C99; no allocation, no global state):
 *   double score(const struct score_input *row);  -- the prediction
 *   void score_batch(size_t n, const struct score_columns *columns, double *out);
 * score_batch writes the prediction of row i, read from column arrays, to out[i].
 * A numeric input is a double, NaN when missing. A categorical input is a
 * NUL-terminated UTF-8 string compared byte for byte with the categories, NULL
 * when missing; write an integer category by its decimal digits ("3").
 * score_input_names lists the input names in field order, then NULL.
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

/* One field per input, in the order of score_input_names. */
struct score_input {
    double age;
    double debt_to_income;
};

const char *const score_input_names[] = {"age", "debt_to_income", NULL};

/* The functions this file exports (declared in the header too). */
double score(const struct score_input *row);

/* step on "age": the first value, then {edge, value above it} */
static double age_step(double x)
{
    static const double steps[][2] = {
        {18.5, -0.752},
        {20.5, -0.621},
        {22.5, -0.446},
        {24.5, -0.346},
        {26.5, -0.258},
        {28.5, -0.121},
        {30.5, -0.055},
        {32.5, 0.002},
        {34.5, 0.111},
        {36.5, 0.153},
        {38.5, 0.189},
        {40.5, 0.278},
        {42.5, 0.303},
        {44.5, 0.322},
        {46.5, 0.398},
        {48.5, 0.41},
        {50.5, 0.418},
        {52.5, 0.483},
        {54.5, 0.486},
        {56.5, 0.487},
        {58.5, 0.545},
        {60.5, 0.541},
        {62.5, 0.536},
        {64.5, 0.589},
        {66.5, 0.581},
        {68.5, 0.571},
        {70.5, 0.62},
        {72.5, 0.609},
        {74.5, 0.596},
        {76.5, 0.643},
    };
    return pwlc_step(x, -0.9, steps, PWLC_COUNT(steps), PWLC_UPPER, 0.05);
}

/* step on "debt_to_income": the first value, then {edge, value above it} */
static double debt_to_income_step(double x)
{
    static const double steps[][2] = {
        {2.5, -0.53},
        {5.25, -0.46},
        {8.0, -0.39},
        {10.75, -0.27},
        {13.5, -0.25},
        {16.25, -0.18},
        {19.0, -0.11},
        {21.75, 0.01},
        {24.5, 0.03},
        {27.25, 0.1},
        {30.0, 0.17},
        {32.75, 0.29},
        {35.5, 0.31},
        {38.25, 0.38},
        {41.0, 0.45},
        {43.75, 0.57},
        {46.5, 0.59},
        {49.25, 0.66},
        {52.0, 0.73},
        {54.75, 0.85},
    };
    return pwlc_step(x, -0.55, steps, PWLC_COUNT(steps), PWLC_LOWER, NAN);
}

/* The prediction: the sum of one term a line. */
double score(const struct score_input *row)
{
    return 0.25
        + age_step(row->age)
        + debt_to_income_step(row->debt_to_income);
}

/* --- pwlc batch interface: the terms again, a block of rows at a time --- */

/* One array of n values per input, for score_batch. */
struct score_columns {
    const double *age;
    const double *debt_to_income;
};

void score_batch(size_t n, const struct score_columns *columns, double *out);

/* The terms of score again, in the same order, each added to the m rows from row
   `start` of the columns. When pwlc reads this file back it checks that this list is
   score's: after editing the terms of score, edit this list too or regenerate. */
static void score_rows(const struct score_columns *columns, size_t start, size_t m, double *sum)
{
    pwlc_zero_rows(m, sum);
    pwlc_constant_rows(m, sum, 0.25);
    pwlc_numeric_rows(m, columns->age + start, sum, age_step);
    pwlc_numeric_rows(m, columns->debt_to_income + start, sum, debt_to_income_step);
}

/* score of rows 0 .. n-1 of the columns, written to out[0 .. n-1]. */
void score_batch(size_t n, const struct score_columns *columns, double *out)
{
    size_t start;
    for (start = 0; start < n; start += PWLC_BLOCK)
        score_rows(columns, start, pwlc_block(n - start), out + start);
}
