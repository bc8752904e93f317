-- Linear terms: slope * x for every x.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: sqlite. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
-- risk is the log-odds; probability applies the link.
WITH "inputs" AS (
  SELECT
    CAST("age" AS REAL) AS "age",
    CAST("income" AS REAL) AS "income",
    CAST("region" AS TEXT) AS "region"
  FROM "input"
), "scores" AS (
  SELECT
      (-1.25)
      + 0.031 * "age"
      + COALESCE((-2.5e-05) * "income", 0.0)
      + CASE
          WHEN "age" IS NULL THEN NULL
          WHEN "age" <= 18.0 THEN 0.2
          WHEN "age" < 70.0 THEN 0.2 + ((-0.1) - 0.2) * (("age" - 18.0) / (70.0 - 18.0))
          ELSE (-0.1)
        END
      + CASE
          WHEN "region" IS NULL THEN NULL
          WHEN "region" = 'north' THEN 0.4
          WHEN "region" = 'south' THEN (-0.1)
          ELSE 0.0
        END
      AS "risk"
  FROM "inputs"
)
SELECT
  "risk",
  CASE
    WHEN "risk" < (-709.782712893384) THEN 0.0
    WHEN -"risk" < (-745.0) THEN 1.0
    ELSE 1.0 / (1.0 + EXP(-"risk"))
  END AS "probability"
FROM "scores";
