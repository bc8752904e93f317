-- Recidivism risk (log-odds of two_year_recid), hand-written for the golden tests.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: sqlite. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
-- score is the log-odds; probability applies the link.
WITH "inputs" AS (
  SELECT
    CAST("age" AS REAL) AS "age",
    CAST("priors_count" AS REAL) AS "priors_count",
    CAST("length_of_stay" AS REAL) AS "length_of_stay",
    CAST("sex" AS TEXT) AS "sex",
    CAST("c_charge_degree" AS TEXT) AS "c_charge_degree"
  FROM "input"
), "scores" AS (
  SELECT
      (-0.35)
      + CASE
          WHEN "age" IS NULL THEN NULL
          WHEN "age" <= 18.0 THEN 0.61
          WHEN "age" < 25.0 THEN 0.61 + (0.2 - 0.61) * (("age" - 18.0) / (25.0 - 18.0))
          WHEN "age" < 46.0 THEN 0.2 + ((-0.45) - 0.2) * (("age" - 25.0) / (46.0 - 25.0))
          WHEN "age" < 70.0 THEN (-0.45) + ((-0.6) - (-0.45)) * (("age" - 46.0) / (70.0 - 46.0))
          ELSE (-0.6)
        END
      + CASE
          WHEN "priors_count" IS NULL THEN 0.0
          WHEN "priors_count" <= 0.0 THEN (-0.4)
          WHEN "priors_count" < 3.0 THEN (-0.4) + (0.15 - (-0.4)) * (("priors_count" - 0.0) / (3.0 - 0.0))
          WHEN "priors_count" < 15.0 THEN 0.15 + (0.9 - 0.15) * (("priors_count" - 3.0) / (15.0 - 3.0))
          ELSE 0.9
        END
      + CASE
          WHEN "length_of_stay" IS NULL THEN NULL
          WHEN "length_of_stay" <= 0.0 THEN (-0.1)
          WHEN "length_of_stay" < 30.0 THEN (-0.1) + (0.3 - (-0.1)) * (((LN(1.0 + "length_of_stay") - ((1.0 + "length_of_stay") - 1.0 - "length_of_stay") / (1.0 + "length_of_stay")) - LN(1.0 + 0.0)) / (LN(1.0 + 30.0) - LN(1.0 + 0.0)))
          WHEN "length_of_stay" < 400.0 THEN 0.3 + (0.52 - 0.3) * (((LN(1.0 + "length_of_stay") - ((1.0 + "length_of_stay") - 1.0 - "length_of_stay") / (1.0 + "length_of_stay")) - LN(1.0 + 30.0)) / (LN(1.0 + 400.0) - LN(1.0 + 30.0)))
          ELSE 0.52
        END
      + CASE
          WHEN "sex" IS NULL THEN NULL
          WHEN "sex" = 'Female' THEN (-0.2)
          WHEN "sex" = 'Male' THEN 0.05
          ELSE 0.0
        END
      + CASE
          WHEN "c_charge_degree" IS NULL THEN (-0.02)
          WHEN "c_charge_degree" = 'F' THEN 0.07
          WHEN "c_charge_degree" = 'M' THEN (-0.12)
          ELSE 0.01
        END
      AS "score"
  FROM "inputs"
)
SELECT
  "score",
  CASE
    WHEN "score" < (-709.782712893384) THEN 0.0
    WHEN -"score" < (-745.0) THEN 1.0
    ELSE 1.0 / (1.0 + EXP(-"score"))
  END AS "probability"
FROM "scores";
