/* clang-format off */
/* A constant.
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

PWLC_HELPER void pwlc_constant_rows(size_t m, double *sum, double value)
{
    size_t i;
    for (i = 0; i < m; i++)
        sum[i] += value;
}

/* --- end of pwlc runtime --- */

/* One field per input, in the order of score_input_names. */
struct score_input {
    char unused; /* this model reads no inputs; C needs a member */
};

const char *const score_input_names[] = {NULL};

/* The functions this file exports (declared in the header too). */
double score(const struct score_input *row);

/* The prediction: the sum of one term a line. */
double score(const struct score_input *row)
{
    (void)row; /* no term reads an input */
    return 0.5;
}

/* --- pwlc batch interface: the terms again, a block of rows at a time --- */

/* One array of n values per input, for score_batch. */
struct score_columns {
    char unused;
};

void score_batch(size_t n, const struct score_columns *columns, double *out);

/* The terms of score again, in the same order, each added to the m rows from row
   `start` of the columns. When pwlc reads this file back it checks that this list is
   score's: after editing the terms of score, edit this list too or regenerate. */
static void score_rows(const struct score_columns *columns, size_t start, size_t m, double *sum)
{
    (void)columns;
    (void)start;
    pwlc_zero_rows(m, sum);
    pwlc_constant_rows(m, sum, 0.5);
}

/* score of rows 0 .. n-1 of the columns, written to out[0 .. n-1]. */
void score_batch(size_t n, const struct score_columns *columns, double *out)
{
    size_t start;
    for (start = 0; start < n; start += PWLC_BLOCK)
        score_rows(columns, start, pwlc_block(n - start), out + start);
}
