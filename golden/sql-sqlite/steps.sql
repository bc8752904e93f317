-- Step functions from an EBM and from boosted stumps.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: sqlite. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
WITH "inputs" AS (
  SELECT
    CAST("income" AS REAL) AS "income",
    CAST("debt_ratio" AS REAL) AS "debt_ratio",
    CAST("months_since_default" AS REAL) AS "months_since_default"
  FROM "input"
)
SELECT
    12.5
    + CASE
        WHEN "income" IS NULL THEN (-0.75)
        WHEN "income" < 20000.0 THEN (-1.25)
        WHEN "income" < 35000.5 THEN (-0.5)
        WHEN "income" < 80000.0 THEN 0.0
        WHEN "income" < 150000.0 THEN 0.875
        ELSE 1.5
      END
    + CASE
        WHEN "debt_ratio" IS NULL THEN NULL
        WHEN "debt_ratio" <= 0.2 THEN 0.3
        WHEN "debt_ratio" <= 0.35 THEN 0.1
        WHEN "debt_ratio" <= 0.5 THEN (-0.2)
        ELSE (-0.9)
      END
    + CASE /* at_edge = lower */
        WHEN "months_since_default" IS NULL THEN 0.4
        ELSE (-1.0)
      END
    AS "raw_score"
FROM "inputs";
