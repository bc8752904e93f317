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

#include <math.h>
#include <stddef.h>
#include <string.h>

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

/* --- pwlc batch interface (not read back) --- */

/* One array of n values per input, for score_batch. */
struct score_columns {
    char unused;
};

void score_batch(size_t n, const struct score_columns *columns, double *out);

void score_batch(size_t n, const struct score_columns *columns, double *out)
{
    size_t i;
    (void)columns;
    for (i = 0; i < n; i++) {
        struct score_input row;
        row.unused = 0;
        out[i] = score(&row);
    }
}
