-- Names that are not identifiers in any target language.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: bigquery. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
WITH `inputs` AS (
  SELECT
    CAST(`x"; DROP TABLE t; --` AS FLOAT64) AS `x"; DROP TABLE t; --`,
    CAST(`select` AS FLOAT64) AS `select`,
    CAST(`def` AS FLOAT64) AS `def`,
    CAST(`a b` AS FLOAT64) AS `a b`,
    CAST(`a_b` AS FLOAT64) AS `a_b`,
    CAST(`*/ x /*` AS STRING) AS `*/ x /*`,
    CAST(`1st` AS FLOAT64) AS `1st`,
    CAST(`naïve` AS FLOAT64) AS `naïve`
  FROM `input`
)
SELECT
    0.0
    + CASE
        WHEN `x"; DROP TABLE t; --` IS NULL THEN NULL
        WHEN `x"; DROP TABLE t; --` <= 0.0 THEN 1.0
        WHEN `x"; DROP TABLE t; --` < 1.0 THEN 1.0 + (2.0 - 1.0) * ((`x"; DROP TABLE t; --` - 0.0) / (1.0 - 0.0))
        ELSE 2.0
      END
    + CASE
        WHEN `select` IS NULL THEN NULL
        WHEN `select` <= (-1.0) THEN 0.5
        WHEN `select` < 1.0 THEN 0.5 + ((-0.5) - 0.5) * ((`select` - (-1.0)) / (1.0 - (-1.0)))
        ELSE (-0.5)
      END
    + CASE
        WHEN `def` IS NULL THEN 0.0
        WHEN `def` <= 0.0 THEN 0.0
        WHEN `def` < 10.0 THEN 0.0 + (1.0 - 0.0) * ((`def` - 0.0) / (10.0 - 0.0))
        ELSE 1.0
      END
    + CASE
        WHEN `a b` IS NULL THEN NULL
        WHEN `a b` <= 0.0 THEN 1.0
        WHEN `a b` < 2.0 THEN 1.0 + (3.0 - 1.0) * ((`a b` - 0.0) / (2.0 - 0.0))
        ELSE 3.0
      END
    + CASE
        WHEN `a_b` IS NULL THEN NULL
        WHEN `a_b` <= 0.0 THEN (-1.0)
        WHEN `a_b` < 2.0 THEN (-1.0) + ((-3.0) - (-1.0)) * ((`a_b` - 0.0) / (2.0 - 0.0))
        ELSE (-3.0)
      END
    + CASE
        WHEN `*/ x /*` IS NULL THEN NULL
        WHEN `*/ x /*` = '\'; DROP TABLE t; --' THEN 1.0
        WHEN `*/ x /*` = '--' THEN 2.0
        WHEN `*/ x /*` = '\\' THEN 3.0
        ELSE 0.0
      END
    + CASE
        WHEN `1st` IS NULL THEN NULL
        WHEN `1st` <= 0.0 THEN 0.5
        WHEN `1st` < 1.0 THEN 0.5 + (0.25 - 0.5) * ((`1st` - 0.0) / (1.0 - 0.0))
        ELSE 0.25
      END
    + CASE
        WHEN `naïve` IS NULL THEN NULL
        WHEN `naïve` <= 0.0 THEN 0.0
        WHEN `naïve` < 1.0 THEN 0.0 + (1.0 - 0.0) * ((`naïve` - 0.0) / (1.0 - 0.0))
        ELSE 1.0
      END
    AS `score`
FROM `inputs`;
