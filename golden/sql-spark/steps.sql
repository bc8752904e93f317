-- Step functions from an EBM and from boosted stumps.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: spark. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
-- Numbers end in e0 so that the engine computes in doubles, as the model does (it reads 0.5 as an exact DECIMAL).
WITH `inputs` AS (
  SELECT
    CAST(`income` AS DOUBLE) AS `income`,
    CAST(`debt_ratio` AS DOUBLE) AS `debt_ratio`,
    CAST(`months_since_default` AS DOUBLE) AS `months_since_default`
  FROM `input`
)
SELECT
    12.5e0
    + CASE
        WHEN `income` IS NULL THEN (-0.75e0)
        WHEN `income` < 20000.0e0 THEN (-1.25e0)
        WHEN `income` < 35000.5e0 THEN (-0.5e0)
        WHEN `income` < 80000.0e0 THEN 0.0e0
        WHEN `income` < 150000.0e0 THEN 0.875e0
        ELSE 1.5e0
      END
    + CASE
        WHEN `debt_ratio` IS NULL THEN NULL
        WHEN `debt_ratio` <= 0.2e0 THEN 0.3e0
        WHEN `debt_ratio` <= 0.35e0 THEN 0.1e0
        WHEN `debt_ratio` <= 0.5e0 THEN (-0.2e0)
        ELSE (-0.9e0)
      END
    + CASE /* at_edge = lower */
        WHEN `months_since_default` IS NULL THEN 0.4e0
        ELSE (-1.0e0)
      END
    AS `raw_score`
FROM `inputs`;
