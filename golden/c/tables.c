/* clang-format off */
/* Tables with awkward names and categories.
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

/* --- end of pwlc runtime --- */

/* One field per input, in the order of score_input_names. */
struct score_input {
    const char *state_code;
    const char *grade;
    const char *class;
};

const char *const score_input_names[] = {"state code", "grade", "class", NULL};

/* The functions this file exports (declared in the header too). */
double score(const struct score_input *row);

/* table on "state code" */
static double state_code_table(const char *category)
{
    static const struct pwlc_entry entries[] = {{"CA", 0.25}, {"NY", 0.3}, {"TX", -0.15}, {"", 0.01}};
    return pwlc_table(category, entries, PWLC_COUNT(entries), -0.05, 0.1);
}

/* table on "grade" */
static double grade_table(const char *category)
{
    static const struct pwlc_entry entries[] = {{"1", -1.0}, {"2", -0.5}, {"3", 0.5}, {"A+", 1.25}};
    return pwlc_table(category, entries, PWLC_COUNT(entries), 0.0, NAN);
}

/* table on "class" */
static double class_table(const char *category)
{
    static const struct pwlc_entry entries[] = {
        {"say \"hi\"", 1.0},
        {"back\\slash", 2.0},
        {"tab\011here", 3.0},
        {"ünïcödé ✓", 4.0},
    };
    return pwlc_table(category, entries, PWLC_COUNT(entries), 0.5, NAN);
}

/* The prediction: the sum of one term a line. */
double score(const struct score_input *row)
{
    return state_code_table(row->state_code)
        + grade_table(row->grade)
        + class_table(row->class);
}

/* --- pwlc batch interface: the terms again, a block of rows at a time --- */

/* One array of n values per input, for score_batch. */
struct score_columns {
    const char *const *state_code;
    const char *const *grade;
    const char *const *class;
};

void score_batch(size_t n, const struct score_columns *columns, double *out);

/* The terms of score again, in the same order, each added to the m rows from row
   `start` of the columns. When pwlc reads this file back it checks that this list is
   score's: after editing the terms of score, edit this list too or regenerate. */
static void score_rows(const struct score_columns *columns, size_t start, size_t m, double *sum)
{
    pwlc_zero_rows(m, sum);
    pwlc_category_rows(m, columns->state_code + start, sum, state_code_table);
    pwlc_category_rows(m, columns->grade + start, sum, grade_table);
    pwlc_category_rows(m, columns->class + start, sum, class_table);
}

/* score of rows 0 .. n-1 of the columns, written to out[0 .. n-1]. */
void score_batch(size_t n, const struct score_columns *columns, double *out)
{
    size_t start;
    for (start = 0; start < n; start += PWLC_BLOCK)
        score_rows(columns, start, pwlc_block(n - start), out + start);
}
