-- Names that are not identifiers in any target language.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: spark. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
-- Numbers end in e0 so that the engine computes in doubles, as the model does (it reads 0.5 as an exact DECIMAL).
WITH `inputs` AS (
  SELECT
    CAST(`x"; DROP TABLE t; --` AS DOUBLE) AS `x"; DROP TABLE t; --`,
    CAST(`select` AS DOUBLE) AS `select`,
    CAST(`def` AS DOUBLE) AS `def`,
    CAST(`a b` AS DOUBLE) AS `a b`,
    CAST(`a_b` AS DOUBLE) AS `a_b`,
    CAST(`*/ x /*` AS STRING) AS `*/ x /*`,
    CAST(`1st` AS DOUBLE) AS `1st`,
    CAST(`naïve` AS DOUBLE) AS `naïve`
  FROM `input`
)
SELECT
    0.0e0
    + CASE
        WHEN `x"; DROP TABLE t; --` IS NULL THEN NULL
        WHEN `x"; DROP TABLE t; --` <= 0.0e0 THEN 1.0e0
        WHEN `x"; DROP TABLE t; --` < 1.0e0 THEN 1.0e0 + (2.0e0 - 1.0e0) * ((`x"; DROP TABLE t; --` - 0.0e0) / (1.0e0 - 0.0e0))
        ELSE 2.0e0
      END
    + CASE
        WHEN `select` IS NULL THEN NULL
        WHEN `select` <= (-1.0e0) THEN 0.5e0
        WHEN `select` < 1.0e0 THEN 0.5e0 + ((-0.5e0) - 0.5e0) * ((`select` - (-1.0e0)) / (1.0e0 - (-1.0e0)))
        ELSE (-0.5e0)
      END
    + CASE
        WHEN `def` IS NULL THEN 0.0e0
        WHEN `def` <= 0.0e0 THEN 0.0e0
        WHEN `def` < 10.0e0 THEN 0.0e0 + (1.0e0 - 0.0e0) * ((`def` - 0.0e0) / (10.0e0 - 0.0e0))
        ELSE 1.0e0
      END
    + CASE
        WHEN `a b` IS NULL THEN NULL
        WHEN `a b` <= 0.0e0 THEN 1.0e0
        WHEN `a b` < 2.0e0 THEN 1.0e0 + (3.0e0 - 1.0e0) * ((`a b` - 0.0e0) / (2.0e0 - 0.0e0))
        ELSE 3.0e0
      END
    + CASE
        WHEN `a_b` IS NULL THEN NULL
        WHEN `a_b` <= 0.0e0 THEN (-1.0e0)
        WHEN `a_b` < 2.0e0 THEN (-1.0e0) + ((-3.0e0) - (-1.0e0)) * ((`a_b` - 0.0e0) / (2.0e0 - 0.0e0))
        ELSE (-3.0e0)
      END
    + CASE
        WHEN `*/ x /*` IS NULL THEN NULL
        WHEN `*/ x /*` = '\'; DROP TABLE t; --' THEN 1.0e0
        WHEN `*/ x /*` = '--' THEN 2.0e0
        WHEN `*/ x /*` = '\\' THEN 3.0e0
        ELSE 0.0e0
      END
    + CASE
        WHEN `1st` IS NULL THEN NULL
        WHEN `1st` <= 0.0e0 THEN 0.5e0
        WHEN `1st` < 1.0e0 THEN 0.5e0 + (0.25e0 - 0.5e0) * ((`1st` - 0.0e0) / (1.0e0 - 0.0e0))
        ELSE 0.25e0
      END
    + CASE
        WHEN `naïve` IS NULL THEN NULL
        WHEN `naïve` <= 0.0e0 THEN 0.0e0
        WHEN `naïve` < 1.0e0 THEN 0.0e0 + (1.0e0 - 0.0e0) * ((`naïve` - 0.0e0) / (1.0e0 - 0.0e0))
        ELSE 1.0e0
      END
    AS `score`
FROM `inputs`;
