-- Step functions from an EBM and from boosted stumps.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: postgres. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
-- Numbers are cast ::float8 so that the engine computes in doubles, as the model does (it reads 0.5 as an exact NUMERIC).
WITH "inputs" AS (
  SELECT
    CAST("income" AS DOUBLE PRECISION) AS "income",
    CAST("debt_ratio" AS DOUBLE PRECISION) AS "debt_ratio",
    CAST("months_since_default" AS DOUBLE PRECISION) AS "months_since_default"
  FROM "input"
)
SELECT
    12.5::float8
    + CASE
        WHEN "income" IS NULL THEN (-0.75::float8)
        WHEN "income" < 20000.0::float8 THEN (-1.25::float8)
        WHEN "income" < 35000.5::float8 THEN (-0.5::float8)
        WHEN "income" < 80000.0::float8 THEN 0.0::float8
        WHEN "income" < 150000.0::float8 THEN 0.875::float8
        ELSE 1.5::float8
      END
    + CASE
        WHEN "debt_ratio" IS NULL THEN NULL
        WHEN "debt_ratio" <= 0.2::float8 THEN 0.3::float8
        WHEN "debt_ratio" <= 0.35::float8 THEN 0.1::float8
        WHEN "debt_ratio" <= 0.5::float8 THEN (-0.2::float8)
        ELSE (-0.9::float8)
      END
    + CASE /* at_edge = lower */
        WHEN "months_since_default" IS NULL THEN 0.4::float8
        ELSE (-1.0::float8)
      END
    AS "raw_score"
FROM "inputs";
