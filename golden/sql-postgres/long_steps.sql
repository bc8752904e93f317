-- Long step functions, as an EBM's bins and a tree ensemble's splits lower.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: postgres. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
-- Numbers are cast ::float8 so that the engine computes in doubles, as the model does (it reads 0.5 as an exact NUMERIC).
WITH "inputs" AS (
  SELECT
    CAST("age" AS DOUBLE PRECISION) AS "age",
    CAST("debt_to_income" AS DOUBLE PRECISION) AS "debt_to_income"
  FROM "input"
)
SELECT
    0.25::float8
    + CASE
        WHEN "age" IS NULL THEN 0.05::float8
        WHEN "age" < 28.5::float8 THEN CASE
            WHEN "age" < 18.5::float8 THEN (-0.9::float8)
            WHEN "age" < 20.5::float8 THEN (-0.752::float8)
            WHEN "age" < 22.5::float8 THEN (-0.621::float8)
            WHEN "age" < 24.5::float8 THEN (-0.446::float8)
            WHEN "age" < 26.5::float8 THEN (-0.346::float8)
            ELSE (-0.258::float8)
          END
        WHEN "age" < 40.5::float8 THEN CASE
            WHEN "age" < 30.5::float8 THEN (-0.121::float8)
            WHEN "age" < 32.5::float8 THEN (-0.055::float8)
            WHEN "age" < 34.5::float8 THEN 0.002::float8
            WHEN "age" < 36.5::float8 THEN 0.111::float8
            WHEN "age" < 38.5::float8 THEN 0.153::float8
            ELSE 0.189::float8
          END
        WHEN "age" < 52.5::float8 THEN CASE
            WHEN "age" < 42.5::float8 THEN 0.278::float8
            WHEN "age" < 44.5::float8 THEN 0.303::float8
            WHEN "age" < 46.5::float8 THEN 0.322::float8
            WHEN "age" < 48.5::float8 THEN 0.398::float8
            WHEN "age" < 50.5::float8 THEN 0.41::float8
            ELSE 0.418::float8
          END
        WHEN "age" < 64.5::float8 THEN CASE
            WHEN "age" < 54.5::float8 THEN 0.483::float8
            WHEN "age" < 56.5::float8 THEN 0.486::float8
            WHEN "age" < 58.5::float8 THEN 0.487::float8
            WHEN "age" < 60.5::float8 THEN 0.545::float8
            WHEN "age" < 62.5::float8 THEN 0.541::float8
            ELSE 0.536::float8
          END
        WHEN "age" < 76.5::float8 THEN CASE
            WHEN "age" < 66.5::float8 THEN 0.589::float8
            WHEN "age" < 68.5::float8 THEN 0.581::float8
            WHEN "age" < 70.5::float8 THEN 0.571::float8
            WHEN "age" < 72.5::float8 THEN 0.62::float8
            WHEN "age" < 74.5::float8 THEN 0.609::float8
            ELSE 0.596::float8
          END
        ELSE 0.643::float8
      END
    + CASE
        WHEN "debt_to_income" IS NULL THEN NULL
        WHEN "debt_to_income" <= 13.5::float8 THEN CASE
            WHEN "debt_to_income" <= 2.5::float8 THEN (-0.55::float8)
            WHEN "debt_to_income" <= 5.25::float8 THEN (-0.53::float8)
            WHEN "debt_to_income" <= 8.0::float8 THEN (-0.46::float8)
            WHEN "debt_to_income" <= 10.75::float8 THEN (-0.39::float8)
            ELSE (-0.27::float8)
          END
        WHEN "debt_to_income" <= 27.25::float8 THEN CASE
            WHEN "debt_to_income" <= 16.25::float8 THEN (-0.25::float8)
            WHEN "debt_to_income" <= 19.0::float8 THEN (-0.18::float8)
            WHEN "debt_to_income" <= 21.75::float8 THEN (-0.11::float8)
            WHEN "debt_to_income" <= 24.5::float8 THEN 0.01::float8
            ELSE 0.03::float8
          END
        WHEN "debt_to_income" <= 41.0::float8 THEN CASE
            WHEN "debt_to_income" <= 30.0::float8 THEN 0.1::float8
            WHEN "debt_to_income" <= 32.75::float8 THEN 0.17::float8
            WHEN "debt_to_income" <= 35.5::float8 THEN 0.29::float8
            WHEN "debt_to_income" <= 38.25::float8 THEN 0.31::float8
            ELSE 0.38::float8
          END
        WHEN "debt_to_income" <= 54.75::float8 THEN CASE
            WHEN "debt_to_income" <= 43.75::float8 THEN 0.45::float8
            WHEN "debt_to_income" <= 46.5::float8 THEN 0.57::float8
            WHEN "debt_to_income" <= 49.25::float8 THEN 0.59::float8
            WHEN "debt_to_income" <= 52.0::float8 THEN 0.66::float8
            ELSE 0.73::float8
          END
        ELSE 0.85::float8
      END
    AS "score"
FROM "inputs";
