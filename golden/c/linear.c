/* clang-format off */
/* Linear terms: slope * x for every x.
 *
 * Compiled by pwlc. Edit the numbers freely, then read this file back with
 * `pwlc compile FILE.c -t pwl` (pwlc parses it; it never runs it).
 *
 * ABI (C99; no allocation, no global state):
 *   double risk(const struct risk_input *row);  -- the log-odds
 *   double risk_probability(const struct risk_input *row);  -- the probability
 *   void risk_batch(size_t n, const struct risk_columns *columns, double *out);
 * risk_batch writes the log-odds of row i, read from column arrays, to out[i].
 * A numeric input is a double, NaN when missing. A categorical input is a
 * NUL-terminated UTF-8 string compared byte for byte with the categories, NULL
 * when missing; write an integer category by its decimal digits ("3").
 * risk_input_names lists the input names in field order, then NULL.
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

enum pwlc_transform { PWLC_IDENTITY, PWLC_LOG, PWLC_LOG1P, PWLC_SYMLOG1P };

/* The scale a curve is linear in; knots are always written in raw units. */
PWLC_HELPER double pwlc_transform(enum pwlc_transform fx, double x)
{
    switch (fx) {
    case PWLC_LOG:
        return log(x);
    case PWLC_LOG1P:
        return log1p(x);
    case PWLC_SYMLOG1P:
        return x < 0.0 ? -log1p(-x) : log1p(x);
    default:
        return x;
    }
}

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

/* Piecewise linear in fx(x) through the {x, y} knots, flat outside them; `missing` for NaN.
   t, when not NULL, holds the knots' transforms (the batch computes them once per block). */
PWLC_HELPER double pwlc_interpolate(double x, const double knots[][2], size_t n, enum pwlc_transform fx, double missing,
                                    const double *t)
{
    size_t lo;
    double t0, t1;
    if (isnan(x))
        return missing;
    if (x <= knots[0][0])
        return knots[0][1];
    if (x >= knots[n - 1][0] || n < 2) /* one knot: x was on one side of it (told to the static analyzer) */
        return knots[n - 1][1];
    /* the inner knots at or below x; the knots seen as one array of doubles, x every second */
    lo = n > 2 ? pwlc_rank(x, (const double *)knots + 2, n - 2, 2, PWLC_UPPER) : 0;
    t0 = t != NULL ? t[lo] : pwlc_transform(fx, knots[lo][0]);
    t1 = t != NULL ? t[lo + 1] : pwlc_transform(fx, knots[lo + 1][0]);
    return knots[lo][1] + (knots[lo + 1][1] - knots[lo][1]) * ((pwlc_transform(fx, x) - t0) / (t1 - t0));
}

PWLC_HELPER double pwlc_curve(double x, const double knots[][2], size_t n, enum pwlc_transform fx, double missing)
{
    return pwlc_interpolate(x, knots, n, fx, missing, NULL);
}

/* slope * x, not clamped (±inf gives ±inf); `missing` for NaN. A linear term without a
   missing value is printed as the bare product instead: NaN * slope is NaN, a missing score. */
PWLC_HELPER double pwlc_linear(double x, double slope, double missing)
{
    return isnan(x) ? missing : slope * x;
}

struct pwlc_entry {
    const char *category;
    double value;
};

/* The value of a category (compared byte for byte), `unseen` if absent, `missing` for NULL. */
PWLC_HELPER double pwlc_table(const char *category, const struct pwlc_entry *entries, size_t n, double unseen,
                              double missing)
{
    size_t i;
    if (category == NULL)
        return missing;
    for (i = 0; i < n; i++)
        if (strcmp(category, entries[i].category) == 0)
            return entries[i].value;
    return unseen;
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

/* The m rows of x as a whole block: x itself when m is PWLC_BLOCK, else its rows copied
   to `padded` and followed by zeros. The kernels' loops then run over PWLC_BLOCK rows, a
   count the compiler knows (gcc -O2 vectorizes only such loops). */
PWLC_HELPER const double *pwlc_whole_block(size_t m, const double *x, double padded[PWLC_BLOCK])
{
    size_t i;
    if (m == PWLC_BLOCK)
        return x;
    for (i = 0; i < PWLC_BLOCK; i++)
        padded[i] = i < m ? x[i] : 0.0;
    return padded;
}

/* Adds y[i] to sum[i] for the m rows (the loop of a whole block has a count the compiler knows). */
PWLC_HELPER void pwlc_add_rows(size_t m, double *sum, const double y[PWLC_BLOCK])
{
    size_t i;
    if (m == PWLC_BLOCK) {
        for (i = 0; i < PWLC_BLOCK; i++)
            sum[i] += y[i];
        return;
    }
    for (i = 0; i < m; i++)
        sum[i] += y[i];
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

/* The segment of a curve each row of a block is in: the four numbers pwlc_curve reads. */
struct pwlc_segments {
    double from_t[PWLC_BLOCK]; /* fx of the segment's first knot */
    double from_y[PWLC_BLOCK]; /* its first value */
    double rise_t[PWLC_BLOCK]; /* fx of its last knot less from_t */
    double rise_y[PWLC_BLOCK]; /* its last value less from_y */
};

/* a if c, else b: by the bits, so that compilers neither branch nor hold back the
   arithmetic that b needs (a branch on doubles is the scalar form of a select). */
PWLC_HELPER double pwlc_select(int c, double a, double b)
{
    uint64_t bits_a, bits_b, mask = (uint64_t)0 - (uint64_t)(c != 0);
    memcpy(&bits_a, &a, sizeof bits_a);
    memcpy(&bits_b, &b, sizeof bits_b);
    bits_a = (bits_a & mask) | (bits_b & ~mask);
    memcpy(&a, &bits_a, sizeof a);
    return a;
}

/* The segments of `from`, but the rows at or above knot k (of the n knots, whose
   transforms are t) take segment k. From one struct into another (restrict) over a whole
   block, so that the compiler makes each row a vector select. */
PWLC_HELPER void pwlc_segment_above(const double *restrict x, const double knots[][2], const double *t, size_t k,
                                    const struct pwlc_segments *restrict from, struct pwlc_segments *restrict to)
{
    double edge = knots[k][0], from_t = t[k], from_y = knots[k][1];
    double rise_t = t[k + 1] - t[k], rise_y = knots[k + 1][1] - knots[k][1];
    size_t i;
    for (i = 0; i < PWLC_BLOCK; i++) {
        int above = edge <= x[i];
        to->from_t[i] = pwlc_select(above, from_t, from->from_t[i]);
        to->from_y[i] = pwlc_select(above, from_y, from->from_y[i]);
        to->rise_t[i] = pwlc_select(above, rise_t, from->rise_t[i]);
        to->rise_y[i] = pwlc_select(above, rise_y, from->rise_y[i]);
    }
}

/* A curve's end knots {x, y} and its value for NaN. */
struct pwlc_ends {
    double first, low, last, high, missing;
};

/* The value of a curve at x, given its value if x is inside the end knots (as pwlc_interpolate). */
PWLC_HELPER double pwlc_clamp_ends(double x, double inside, struct pwlc_ends ends)
{
    double y = x <= ends.first ? ends.low : inside;
    y = x >= ends.last ? ends.high : y;
    return isnan(x) ? ends.missing : y;
}

/* Adds the curve's value at x[i] to sum[i] for each of the m rows, in loops a compiler can
   vectorize: over a whole block (a count it knows), with no branch. Each row computes what
   pwlc_curve computes, operation for operation. Transforms (a log or log1p costs as
   much as the rest of a curve) are computed once per block for the knots, and for the
   rows inside the knots only. Where the compiler has vector selects (AVX2 and later),
   every row starts in segment 0 and moves on at each inner knot it is at or above, then
   all rows are interpolated alike; elsewhere the inner knots below each row are counted
   and its segment's numbers read by that count, which scalar code does faster, and a
   transformed curve goes row by row (a row outside the knots then skips its log). A curve
   of more than 32 knots goes row by row. */
PWLC_HELPER void pwlc_curve_rows(size_t m, const double *x, double *sum, const double knots[][2], size_t n,
                                 enum pwlc_transform fx, double missing)
{
#if defined(__AVX2__)
    struct pwlc_segments rows[2];
    const struct pwlc_segments *s = &rows[0];
#else
    size_t below[PWLC_BLOCK] = {0}; /* the inner knots at or below each row */
#endif
    double t[32], padded[PWLC_BLOCK], fx_x[PWLC_BLOCK], y[PWLC_BLOCK];
    struct pwlc_ends ends;
    const double *at = x; /* fx(x[i]) for the rows inside the end knots */
    size_t i, k;
    if (n < 2 || n > PWLC_COUNT(t)) {
        for (i = 0; i < m; i++)
            sum[i] += pwlc_curve(x[i], knots, n, fx, missing);
        return;
    }
    pwlc_prefetch(x, sizeof(double));
    for (k = 0; k < n; k++)
        t[k] = pwlc_transform(fx, knots[k][0]);
#if !defined(__AVX2__)
    if (fx != PWLC_IDENTITY) {
        for (i = 0; i < m; i++)
            sum[i] += pwlc_interpolate(x[i], knots, n, fx, missing, t);
        return;
    }
#endif
    x = pwlc_whole_block(m, x, padded);
    ends.first = knots[0][0];
    ends.low = knots[0][1];
    ends.last = knots[n - 1][0];
    ends.high = knots[n - 1][1];
    ends.missing = missing;
    if (fx != PWLC_IDENTITY) {
        for (i = 0; i < PWLC_BLOCK; i++)
            fx_x[i] = x[i] > ends.first && x[i] < ends.last ? pwlc_transform(fx, x[i]) : 0.0;
        at = fx_x;
    }
#if defined(__AVX2__)
    for (i = 0; i < PWLC_BLOCK; i++) {
        rows[0].from_t[i] = t[0];
        rows[0].from_y[i] = knots[0][1];
        rows[0].rise_t[i] = t[1] - t[0];
        rows[0].rise_y[i] = knots[1][1] - knots[0][1];
    }
    for (k = 1; k + 1 < n; k++) {
        pwlc_segment_above(x, knots, t, k, &rows[(k + 1) % 2], &rows[k % 2]);
        s = &rows[k % 2];
    }
    for (i = 0; i < PWLC_BLOCK; i++)
        y[i] = pwlc_clamp_ends(x[i], s->from_y[i] + s->rise_y[i] * ((at[i] - s->from_t[i]) / s->rise_t[i]), ends);
#else
    for (k = 1; k + 1 < n; k++)
        for (i = 0; i < PWLC_BLOCK; i++)
            below[i] += knots[k][0] <= x[i];
    for (i = 0; i < PWLC_BLOCK; i++) {
        k = below[i];
        y[i] = pwlc_clamp_ends(
            x[i], knots[k][1] + (knots[k + 1][1] - knots[k][1]) * ((at[i] - t[k]) / (t[k + 1] - t[k])), ends);
    }
#endif
    pwlc_add_rows(m, sum, y);
}

/* Adds term(category[i]) to sum[i] for each of the m rows. A category's value is kept by
   the string's address, so a column that repeats a few strings calls the term (and
   compares strings) about once per string and block, not once per row. */
PWLC_HELPER void pwlc_category_rows(size_t m, const char *const *category, double *sum, double (*term)(const char *))
{
    const char *seen[16] = {NULL};
    double value[16] = {0.0};
    size_t i, slot;
    pwlc_prefetch(category, sizeof(const char *));
    for (i = 0; i < m; i++) {
        slot = (size_t)((uintptr_t)category[i] / sizeof(double) % 16);
        if (category[i] == NULL || seen[slot] != category[i]) {
            seen[slot] = category[i];
            value[slot] = term(category[i]);
        }
        sum[i] += value[slot];
    }
}

/* 1 / (1 + exp(-score)): 0 where exp(-score) overflows to infinity, as the evaluator. */
PWLC_HELPER double pwlc_logistic(double score)
{
    return 1.0 / (1.0 + exp(-score));
}

/* --- end of pwlc runtime --- */

/* One field per input, in the order of risk_input_names. */
struct risk_input {
    double age;
    double income;
    const char *region;
};

const char *const risk_input_names[] = {"age", "income", "region", NULL};

/* The functions this file exports (declared in the header too). */
double risk(const struct risk_input *row);
double risk_probability(const struct risk_input *row);

/* linear on "age": slope * x, beyond any range too */
static double age_linear(double x)
{
    return 0.031 * x;
}

/* linear on "income": slope * x, beyond any range too */
static double income_linear(double x)
{
    return pwlc_linear(x, -2.5e-05, 0.0);
}

/* curve on "age" */
static const double age_curve_knots[][2] = {{18.0, 0.2}, {70.0, -0.1}};

static double age_curve(double x)
{
    return pwlc_curve(x, age_curve_knots, PWLC_COUNT(age_curve_knots), PWLC_IDENTITY, NAN);
}

/* table on "region" */
static double region_table(const char *category)
{
    static const struct pwlc_entry entries[] = {{"north", 0.4}, {"south", -0.1}};
    return pwlc_table(category, entries, PWLC_COUNT(entries), 0.0, NAN);
}

/* The log-odds: the sum of one term a line. */
double risk(const struct risk_input *row)
{
    return -1.25
        + age_linear(row->age)
        + income_linear(row->income)
        + age_curve(row->age)
        + region_table(row->region);
}

/* The probability: logistic(risk(row)). */
double risk_probability(const struct risk_input *row)
{
    return pwlc_logistic(risk(row));
}

/* --- pwlc batch interface: the terms again, a block of rows at a time --- */

/* One array of n values per input, for risk_batch. */
struct risk_columns {
    const double *age;
    const double *income;
    const char *const *region;
};

void risk_batch(size_t n, const struct risk_columns *columns, double *out);

/* The terms of risk again, in the same order, each added to the m rows from row
   `start` of the columns. When pwlc reads this file back it checks that this list is
   risk's: after editing the terms of risk, edit this list too or regenerate. */
static void risk_rows(const struct risk_columns *columns, size_t start, size_t m, double *sum)
{
    pwlc_zero_rows(m, sum);
    pwlc_constant_rows(m, sum, -1.25);
    pwlc_numeric_rows(m, columns->age + start, sum, age_linear);
    pwlc_numeric_rows(m, columns->income + start, sum, income_linear);
    pwlc_curve_rows(m, columns->age + start, sum,
                    age_curve_knots, PWLC_COUNT(age_curve_knots), PWLC_IDENTITY, NAN);
    pwlc_category_rows(m, columns->region + start, sum, region_table);
}

/* risk of rows 0 .. n-1 of the columns, written to out[0 .. n-1]. */
void risk_batch(size_t n, const struct risk_columns *columns, double *out)
{
    size_t start;
    for (start = 0; start < n; start += PWLC_BLOCK)
        risk_rows(columns, start, pwlc_block(n - start), out + start);
}
