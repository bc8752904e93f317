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

#include <math.h>
#include <stddef.h>
#include <string.h>

/* --- pwlc runtime (not read back) --- */

#define PWLC_COUNT(array) (sizeof(array) / sizeof((array)[0]))

struct pwlc_entry {
    const char *category;
    double value;
};

/* The value of a category (compared byte for byte), `unseen` if absent, `missing` for NULL. */
static double pwlc_table(const char *category, const struct pwlc_entry *entries, size_t n, double unseen,
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

/* --- pwlc batch interface (not read back) --- */

/* One array of n values per input, for score_batch. */
struct score_columns {
    const char *const *state_code;
    const char *const *grade;
    const char *const *class;
};

void score_batch(size_t n, const struct score_columns *columns, double *out);

void score_batch(size_t n, const struct score_columns *columns, double *out)
{
    size_t i;
    for (i = 0; i < n; i++) {
        struct score_input row;
        row.state_code = columns->state_code[i];
        row.grade = columns->grade[i];
        row.class = columns->class[i];
        out[i] = score(&row);
    }
}
