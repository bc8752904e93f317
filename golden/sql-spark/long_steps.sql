-- Long step functions, as an EBM's bins and a tree ensemble's splits lower.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: spark. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
WITH `inputs` AS (
  SELECT
    CAST(`age` AS DOUBLE) AS `age`,
    CAST(`debt_to_income` AS DOUBLE) AS `debt_to_income`
  FROM `input`
)
SELECT
    0.25
    + CASE
        WHEN `age` IS NULL THEN 0.05
        WHEN `age` < 28.5 THEN CASE
            WHEN `age` < 18.5 THEN (-0.9)
            WHEN `age` < 20.5 THEN (-0.752)
            WHEN `age` < 22.5 THEN (-0.621)
            WHEN `age` < 24.5 THEN (-0.446)
            WHEN `age` < 26.5 THEN (-0.346)
            ELSE (-0.258)
          END
        WHEN `age` < 40.5 THEN CASE
            WHEN `age` < 30.5 THEN (-0.121)
            WHEN `age` < 32.5 THEN (-0.055)
            WHEN `age` < 34.5 THEN 0.002
            WHEN `age` < 36.5 THEN 0.111
            WHEN `age` < 38.5 THEN 0.153
            ELSE 0.189
          END
        WHEN `age` < 52.5 THEN CASE
            WHEN `age` < 42.5 THEN 0.278
            WHEN `age` < 44.5 THEN 0.303
            WHEN `age` < 46.5 THEN 0.322
            WHEN `age` < 48.5 THEN 0.398
            WHEN `age` < 50.5 THEN 0.41
            ELSE 0.418
          END
        WHEN `age` < 64.5 THEN CASE
            WHEN `age` < 54.5 THEN 0.483
            WHEN `age` < 56.5 THEN 0.486
            WHEN `age` < 58.5 THEN 0.487
            WHEN `age` < 60.5 THEN 0.545
            WHEN `age` < 62.5 THEN 0.541
            ELSE 0.536
          END
        WHEN `age` < 76.5 THEN CASE
            WHEN `age` < 66.5 THEN 0.589
            WHEN `age` < 68.5 THEN 0.581
            WHEN `age` < 70.5 THEN 0.571
            WHEN `age` < 72.5 THEN 0.62
            WHEN `age` < 74.5 THEN 0.609
            ELSE 0.596
          END
        ELSE 0.643
      END
    + CASE
        WHEN `debt_to_income` IS NULL THEN NULL
        WHEN `debt_to_income` <= 13.5 THEN CASE
            WHEN `debt_to_income` <= 2.5 THEN (-0.55)
            WHEN `debt_to_income` <= 5.25 THEN (-0.53)
            WHEN `debt_to_income` <= 8.0 THEN (-0.46)
            WHEN `debt_to_income` <= 10.75 THEN (-0.39)
            ELSE (-0.27)
          END
        WHEN `debt_to_income` <= 27.25 THEN CASE
            WHEN `debt_to_income` <= 16.25 THEN (-0.25)
            WHEN `debt_to_income` <= 19.0 THEN (-0.18)
            WHEN `debt_to_income` <= 21.75 THEN (-0.11)
            WHEN `debt_to_income` <= 24.5 THEN 0.01
            ELSE 0.03
          END
        WHEN `debt_to_income` <= 41.0 THEN CASE
            WHEN `debt_to_income` <= 30.0 THEN 0.1
            WHEN `debt_to_income` <= 32.75 THEN 0.17
            WHEN `debt_to_income` <= 35.5 THEN 0.29
            WHEN `debt_to_income` <= 38.25 THEN 0.31
            ELSE 0.38
          END
        WHEN `debt_to_income` <= 54.75 THEN CASE
            WHEN `debt_to_income` <= 43.75 THEN 0.45
            WHEN `debt_to_income` <= 46.5 THEN 0.57
            WHEN `debt_to_income` <= 49.25 THEN 0.59
            WHEN `debt_to_income` <= 52.0 THEN 0.66
            ELSE 0.73
          END
        ELSE 0.85
      END
    AS `score`
FROM `inputs`;
