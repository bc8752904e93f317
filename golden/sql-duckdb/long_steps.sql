-- Long step functions, as an EBM's bins and a tree ensemble's splits lower.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: duckdb. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
-- Numbers end in e0 so that the engine computes in doubles, as the model does (it reads 0.5 as an exact DECIMAL).
WITH "inputs" AS (
  SELECT
    CAST("age" AS DOUBLE) AS "age",
    CAST("debt_to_income" AS DOUBLE) AS "debt_to_income"
  FROM "input"
)
SELECT
    0.25e0
    + CASE
        WHEN "age" IS NULL THEN 0.05e0
        WHEN "age" < 28.5e0 THEN CASE
            WHEN "age" < 18.5e0 THEN (-0.9e0)
            WHEN "age" < 20.5e0 THEN (-0.752e0)
            WHEN "age" < 22.5e0 THEN (-0.621e0)
            WHEN "age" < 24.5e0 THEN (-0.446e0)
            WHEN "age" < 26.5e0 THEN (-0.346e0)
            ELSE (-0.258e0)
          END
        WHEN "age" < 40.5e0 THEN CASE
            WHEN "age" < 30.5e0 THEN (-0.121e0)
            WHEN "age" < 32.5e0 THEN (-0.055e0)
            WHEN "age" < 34.5e0 THEN 0.002e0
            WHEN "age" < 36.5e0 THEN 0.111e0
            WHEN "age" < 38.5e0 THEN 0.153e0
            ELSE 0.189e0
          END
        WHEN "age" < 52.5e0 THEN CASE
            WHEN "age" < 42.5e0 THEN 0.278e0
            WHEN "age" < 44.5e0 THEN 0.303e0
            WHEN "age" < 46.5e0 THEN 0.322e0
            WHEN "age" < 48.5e0 THEN 0.398e0
            WHEN "age" < 50.5e0 THEN 0.41e0
            ELSE 0.418e0
          END
        WHEN "age" < 64.5e0 THEN CASE
            WHEN "age" < 54.5e0 THEN 0.483e0
            WHEN "age" < 56.5e0 THEN 0.486e0
            WHEN "age" < 58.5e0 THEN 0.487e0
            WHEN "age" < 60.5e0 THEN 0.545e0
            WHEN "age" < 62.5e0 THEN 0.541e0
            ELSE 0.536e0
          END
        WHEN "age" < 76.5e0 THEN CASE
            WHEN "age" < 66.5e0 THEN 0.589e0
            WHEN "age" < 68.5e0 THEN 0.581e0
            WHEN "age" < 70.5e0 THEN 0.571e0
            WHEN "age" < 72.5e0 THEN 0.62e0
            WHEN "age" < 74.5e0 THEN 0.609e0
            ELSE 0.596e0
          END
        ELSE 0.643e0
      END
    + CASE
        WHEN "debt_to_income" IS NULL THEN NULL
        WHEN "debt_to_income" <= 13.5e0 THEN CASE
            WHEN "debt_to_income" <= 2.5e0 THEN (-0.55e0)
            WHEN "debt_to_income" <= 5.25e0 THEN (-0.53e0)
            WHEN "debt_to_income" <= 8.0e0 THEN (-0.46e0)
            WHEN "debt_to_income" <= 10.75e0 THEN (-0.39e0)
            ELSE (-0.27e0)
          END
        WHEN "debt_to_income" <= 27.25e0 THEN CASE
            WHEN "debt_to_income" <= 16.25e0 THEN (-0.25e0)
            WHEN "debt_to_income" <= 19.0e0 THEN (-0.18e0)
            WHEN "debt_to_income" <= 21.75e0 THEN (-0.11e0)
            WHEN "debt_to_income" <= 24.5e0 THEN 0.01e0
            ELSE 0.03e0
          END
        WHEN "debt_to_income" <= 41.0e0 THEN CASE
            WHEN "debt_to_income" <= 30.0e0 THEN 0.1e0
            WHEN "debt_to_income" <= 32.75e0 THEN 0.17e0
            WHEN "debt_to_income" <= 35.5e0 THEN 0.29e0
            WHEN "debt_to_income" <= 38.25e0 THEN 0.31e0
            ELSE 0.38e0
          END
        WHEN "debt_to_income" <= 54.75e0 THEN CASE
            WHEN "debt_to_income" <= 43.75e0 THEN 0.45e0
            WHEN "debt_to_income" <= 46.5e0 THEN 0.57e0
            WHEN "debt_to_income" <= 49.25e0 THEN 0.59e0
            WHEN "debt_to_income" <= 52.0e0 THEN 0.66e0
            ELSE 0.73e0
          END
        ELSE 0.85e0
      END
    AS "score"
FROM "inputs";
