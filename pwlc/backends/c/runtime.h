/* The runtime of the C files pwlc writes: the helpers their terms call.

   The printer (runtime.py beside this file) copies into each file the prelude and the
   pieces its terms need (with the pieces those need, in the order of this file) between
   the two runtime marker comments. The reader checks that what stands between the markers
   is such a selection, token for token (comments and layout aside), and refuses the file
   at the first token that differs. A comment line holding `@piece NAME needs A B` starts
   a piece; those lines and this comment are not copied.

   The arithmetic repeats pwlc/semantics.py operation for operation: edit both or neither.
   Tests compile this file alone with gcc and clang (-std=c99 -Wall -Wextra -Werror
   -pedantic) and check its layout with `clang-format --dry-run --Werror` (.clang-format). */

/* @piece prelude */
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

/* @piece count */
#define PWLC_COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* @piece side */
enum pwlc_edge_side { PWLC_UPPER, PWLC_LOWER }; /* the bin a value on an edge falls in */

/* @piece transform */
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

/* @piece rank needs side */
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

/* @piece curve needs count transform rank */
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

/* @piece step needs count rank */
/* `first` below the first edge, then the value paired with each {edge, value} above it. */
PWLC_HELPER double pwlc_step(double x, double first, const double steps[][2], size_t n, enum pwlc_edge_side at_edge,
                             double missing)
{
    size_t k = n > 0 ? pwlc_rank(x, (const double *)steps, n, 2, at_edge) : 0; /* the edges: every second double */
    double y = k == 0 ? first : steps[k - 1][1];
    return isnan(x) ? missing : y;
}

/* @piece linear */
/* slope * x, not clamped (±inf gives ±inf); `missing` for NaN. A linear term without a
   missing value is printed as the bare product instead: NaN * slope is NaN, a missing score. */
PWLC_HELPER double pwlc_linear(double x, double slope, double missing)
{
    return isnan(x) ? missing : slope * x;
}

/* @piece entry */
struct pwlc_entry {
    const char *category;
    double value;
};

/* @piece table needs count entry */
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

/* @piece cell */
/* Where an input falls on one axis of a grid: between cells lower and upper, at `weight`. */
struct pwlc_cell {
    size_t lower, upper;
    double weight;
    int missing;
};

/* @piece step_cell needs cell rank count */
PWLC_HELPER struct pwlc_cell pwlc_step_cell(double x, const double *edges, size_t n, enum pwlc_edge_side at_edge)
{
    struct pwlc_cell cell = {0, 0, 0.0, 0};
    cell.missing = isnan(x);
    if (!cell.missing && n > 0)
        cell.lower = cell.upper = pwlc_rank(x, edges, n, 1, at_edge);
    return cell;
}

/* @piece knot_cell needs cell rank count */
/* Clamped to the end knots; weight is how far x is from knot lower towards knot upper. */
PWLC_HELPER struct pwlc_cell pwlc_knot_cell(double x, const double *knots, size_t n)
{
    struct pwlc_cell cell = {0, 0, 0.0, 0};
    double clamped = x < knots[0] ? knots[0] : x > knots[n - 1] ? knots[n - 1] : x;
    cell.missing = isnan(x);
    if (cell.missing)
        return cell;
    cell.lower = pwlc_rank(clamped, knots, n, 1, PWLC_UPPER) - 1;
    cell.upper = cell.lower + 1 < n ? cell.lower + 1 : cell.lower;
    if (cell.upper > cell.lower)
        cell.weight = (clamped - knots[cell.lower]) / (knots[cell.upper] - knots[cell.lower]);
    return cell;
}

/* @piece category_cell needs cell count */
/* A category's cell, or the last cell (after the n listed) for an unseen category. */
PWLC_HELPER struct pwlc_cell pwlc_category_cell(const char *category, const char *const *categories, size_t n)
{
    struct pwlc_cell cell = {0, 0, 0.0, 0};
    cell.missing = category == NULL;
    if (cell.missing)
        return cell;
    while (cell.lower < n && strcmp(category, categories[cell.lower]) != 0)
        cell.lower++;
    cell.upper = cell.lower;
    return cell;
}

/* @piece grid needs cell */
/* Linear between two cells of a grid row (or column): line[lower] towards line[upper]. */
PWLC_HELPER double pwlc_along(const double *line, struct pwlc_cell cell)
{
    return line[cell.lower] + (line[cell.upper] - line[cell.lower]) * cell.weight;
}

/* Bilinear between the cells: along b within rows a.lower and a.upper, then along a.
   Only a missing: the row missing_a along b; only b missing: the column missing_b along
   a; both missing (or that row or column NULL): `missing`. */
PWLC_HELPER double pwlc_grid(struct pwlc_cell a, struct pwlc_cell b, size_t columns, const double values[][columns],
                             double missing, const double *missing_a, const double *missing_b)
{
    double row0, row1;
    if (a.missing && !b.missing && missing_a != NULL)
        return pwlc_along(missing_a, b);
    if (b.missing && !a.missing && missing_b != NULL)
        return pwlc_along(missing_b, a);
    if (a.missing || b.missing)
        return missing;
    row0 = pwlc_along(values[a.lower], b);
    row1 = pwlc_along(values[a.upper], b);
    return row0 + (row1 - row0) * a.weight;
}

/* @piece rows */
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

/* @piece prefetch needs rows */
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

/* @piece whole_block needs rows */
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

/* @piece constant_rows needs rows */
PWLC_HELPER void pwlc_constant_rows(size_t m, double *sum, double value)
{
    size_t i;
    for (i = 0; i < m; i++)
        sum[i] += value;
}

/* @piece numeric_rows needs rows prefetch */
/* Adds term(x[i]) to sum[i] for each of the m rows. */
PWLC_HELPER void pwlc_numeric_rows(size_t m, const double *x, double *sum, double (*term)(double))
{
    size_t i;
    pwlc_prefetch(x, sizeof(double));
    for (i = 0; i < m; i++)
        sum[i] += term(x[i]);
}

/* @piece curve_rows needs rows curve count prefetch whole_block */
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

/* @piece category_rows needs rows prefetch */
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

/* @piece grid_dd_rows needs rows prefetch */
/* Adds term(a[i], b[i]) to sum[i] for each of the m rows (two numeric columns). */
PWLC_HELPER void pwlc_grid_dd_rows(size_t m, const double *a, const double *b, double *sum,
                                   double (*term)(double, double))
{
    size_t i;
    pwlc_prefetch(a, sizeof *a);
    pwlc_prefetch(b, sizeof *b);
    for (i = 0; i < m; i++)
        sum[i] += term(a[i], b[i]);
}

/* @piece grid_ds_rows needs rows prefetch */
/* Adds term(a[i], b[i]) to sum[i] for each of the m rows (a numeric column, then a categorical one). */
PWLC_HELPER void pwlc_grid_ds_rows(size_t m, const double *a, const char *const *b, double *sum,
                                   double (*term)(double, const char *))
{
    size_t i;
    pwlc_prefetch(a, sizeof *a);
    pwlc_prefetch(b, sizeof *b);
    for (i = 0; i < m; i++)
        sum[i] += term(a[i], b[i]);
}

/* @piece grid_sd_rows needs rows prefetch */
/* Adds term(a[i], b[i]) to sum[i] for each of the m rows (a categorical column, then a numeric one). */
PWLC_HELPER void pwlc_grid_sd_rows(size_t m, const char *const *a, const double *b, double *sum,
                                   double (*term)(const char *, double))
{
    size_t i;
    pwlc_prefetch(a, sizeof *a);
    pwlc_prefetch(b, sizeof *b);
    for (i = 0; i < m; i++)
        sum[i] += term(a[i], b[i]);
}

/* @piece grid_ss_rows needs rows prefetch */
/* Adds term(a[i], b[i]) to sum[i] for each of the m rows (two categorical columns). */
PWLC_HELPER void pwlc_grid_ss_rows(size_t m, const char *const *a, const char *const *b, double *sum,
                                   double (*term)(const char *, const char *))
{
    size_t i;
    pwlc_prefetch(a, sizeof *a);
    pwlc_prefetch(b, sizeof *b);
    for (i = 0; i < m; i++)
        sum[i] += term(a[i], b[i]);
}

/* @piece logistic */
/* 1 / (1 + exp(-score)): 0 where exp(-score) overflows to infinity, as the evaluator. */
PWLC_HELPER double pwlc_logistic(double score)
{
    return 1.0 / (1.0 + exp(-score));
}

/* @piece exp */
PWLC_HELPER double pwlc_exp(double score)
{
    return exp(score);
}

/* @piece softmax */
/* Rules M2-M4 of pwlc.semantics: the k scores replaced by their softmax, exp(s - max) over
   their sum (added in class order), so that no exp overflows; a NaN score makes every
   probability NaN, and an infinite top score gives NaN as the evaluator's (inf - inf). */
PWLC_HELPER void pwlc_softmax(size_t k, double *scores)
{
    double top = scores[0], total = 0.0;
    size_t i;
    for (i = 0; i < k; i++) {
        if (isnan(scores[i]))
            top = NAN;
        else if (scores[i] > top)
            top = scores[i];
    }
    for (i = 0; i < k; i++) {
        scores[i] = exp(scores[i] - top);
        total += scores[i];
    }
    for (i = 0; i < k; i++)
        scores[i] /= total;
}

/* @piece scatter */
/* A block of m rows of one class's scores into column `k` of the batch's output, which
   holds `classes` scores a row (row-major). */
PWLC_HELPER void pwlc_scatter(size_t m, const double *sum, size_t classes, size_t k, double *out)
{
    size_t i;
    for (i = 0; i < m; i++)
        out[i * classes + k] = sum[i];
}
