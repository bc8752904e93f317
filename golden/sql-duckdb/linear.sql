-- Linear terms: slope * x for every x.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: duckdb. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
-- Numbers end in e0 so that the engine computes in doubles, as the model does (it reads 0.5 as an exact DECIMAL).
-- risk is the log-odds; probability applies the link.
WITH "inputs" AS (
  SELECT
    CAST("age" AS DOUBLE) AS "age",
    CAST("income" AS DOUBLE) AS "income",
    CAST("region" AS TEXT) AS "region"
  FROM "input"
), "scores" AS (
  SELECT
      (-1.25e0)
      + 0.031e0 * "age"
      + COALESCE((-2.5e-05) * "income", 0.0e0)
      + CASE
          WHEN "age" IS NULL THEN NULL
          WHEN "age" <= 18.0e0 THEN 0.2e0
          WHEN "age" < 70.0e0 THEN 0.2e0 + ((-0.1e0) - 0.2e0) * (("age" - 18.0e0) / (70.0e0 - 18.0e0))
          ELSE (-0.1e0)
        END
      + CASE
          WHEN "region" IS NULL THEN NULL
          WHEN "region" = 'north' THEN 0.4e0
          WHEN "region" = 'south' THEN (-0.1e0)
          ELSE 0.0e0
        END
      AS "risk"
  FROM "inputs"
)
SELECT
  "risk",
  CASE
    WHEN "risk" < (-709.782712893384e0) THEN 0.0e0
    WHEN -"risk" < (-745.0e0) THEN 1.0e0
    ELSE 1.0e0 / (1.0e0 + EXP(-"risk"))
  END AS "probability"
FROM "scores";
