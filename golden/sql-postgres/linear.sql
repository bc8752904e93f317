-- Linear terms: slope * x for every x.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: postgres. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
-- Numbers are cast ::float8 so that the engine computes in doubles, as the model does (it reads 0.5 as an exact NUMERIC).
-- A product slope * x guarded by ABS(x) < limit (or > limit) gives the signed 0 (or infinity) the product rounds to there: the engine would stop on it.
-- risk is the log-odds; probability applies the link.
WITH "inputs" AS (
  SELECT
    CAST("age" AS DOUBLE PRECISION) AS "age",
    CAST("income" AS DOUBLE PRECISION) AS "income",
    CAST("region" AS TEXT) AS "region"
  FROM "input"
), "scores" AS (
  SELECT
      (-1.25::float8)
      + CASE
          WHEN ABS("age") < 8.4e-323::float8 THEN 0.0::float8 * "age"
          ELSE 0.031::float8 * "age"
        END
      + COALESCE(CASE WHEN ABS("income") < 9.8813e-320::float8 THEN (-0.0::float8) * "income" ELSE (-2.5e-05::float8) * "income" END, 0.0::float8)
      + CASE
          WHEN "age" IS NULL THEN NULL
          WHEN "age" <= 18.0::float8 THEN 0.2::float8
          WHEN "age" < 70.0::float8 THEN 0.2::float8 + ((-0.1::float8) - 0.2::float8) * (("age" - 18.0::float8) / (70.0::float8 - 18.0::float8))
          ELSE (-0.1::float8)
        END
      + CASE
          WHEN "region" IS NULL THEN NULL
          WHEN "region" = 'north' THEN 0.4::float8
          WHEN "region" = 'south' THEN (-0.1::float8)
          ELSE 0.0::float8
        END
      AS "risk"
  FROM "inputs"
)
SELECT
  "risk",
  CASE
    WHEN "risk" < (-709.782712893384::float8) THEN 0.0::float8
    WHEN -"risk" < (-745.0::float8) THEN 1.0::float8
    ELSE 1.0::float8 / (1.0::float8 + EXP(-"risk"))
  END AS "probability"
FROM "scores";
