-- Recidivism risk (log-odds of two_year_recid), hand-written for the golden tests.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: postgres. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
-- Numbers are cast ::float8 so that the engine computes in doubles, as the model does (it reads 0.5 as an exact NUMERIC).
-- A weight written CASE WHEN x <= limit THEN 0 is the weight that rounds to 0 below the limit: the engine would stop there.
-- score is the log-odds; probability applies the link.
WITH "inputs" AS (
  SELECT
    CAST("age" AS DOUBLE PRECISION) AS "age",
    CAST("priors_count" AS DOUBLE PRECISION) AS "priors_count",
    CAST("length_of_stay" AS DOUBLE PRECISION) AS "length_of_stay",
    CAST("sex" AS TEXT) AS "sex",
    CAST("c_charge_degree" AS TEXT) AS "c_charge_degree"
  FROM "input"
), "scores" AS (
  SELECT
      (-0.35::float8)
      + CASE
          WHEN "age" IS NULL THEN NULL
          WHEN "age" <= 18.0::float8 THEN 0.61::float8
          WHEN "age" < 25.0::float8 THEN 0.61::float8 + (0.2::float8 - 0.61::float8) * (("age" - 18.0::float8) / (25.0::float8 - 18.0::float8))
          WHEN "age" < 46.0::float8 THEN 0.2::float8 + ((-0.45::float8) - 0.2::float8) * (("age" - 25.0::float8) / (46.0::float8 - 25.0::float8))
          WHEN "age" < 70.0::float8 THEN (-0.45::float8) + ((-0.6::float8) - (-0.45::float8)) * (("age" - 46.0::float8) / (70.0::float8 - 46.0::float8))
          ELSE (-0.6::float8)
        END
      + CASE
          WHEN "priors_count" IS NULL THEN 0.0::float8
          WHEN "priors_count" <= 0.0::float8 THEN (-0.4::float8)
          WHEN "priors_count" < 3.0::float8 THEN (-0.4::float8) + (0.15::float8 - (-0.4::float8)) * (CASE WHEN "priors_count" <= 5e-324::float8 THEN 0.0::float8 ELSE ("priors_count" - 0.0::float8) / (3.0::float8 - 0.0::float8) END)
          WHEN "priors_count" < 15.0::float8 THEN 0.15::float8 + (0.9::float8 - 0.15::float8) * (("priors_count" - 3.0::float8) / (15.0::float8 - 3.0::float8))
          ELSE 0.9::float8
        END
      + CASE
          WHEN "length_of_stay" IS NULL THEN NULL
          WHEN "length_of_stay" <= 0.0::float8 THEN (-0.1::float8)
          WHEN "length_of_stay" < 30.0::float8 THEN (-0.1::float8) + (0.3::float8 - (-0.1::float8)) * (CASE WHEN "length_of_stay" <= 2.5e-323::float8 THEN 0.0::float8 ELSE ((LN(1.0::float8 + "length_of_stay") - ((1.0::float8 + "length_of_stay") - 1.0::float8 - "length_of_stay") / (1.0::float8 + "length_of_stay")) - LN(1.0::float8 + 0.0::float8)) / (LN(1.0::float8 + 30.0::float8) - LN(1.0::float8 + 0.0::float8)) END)
          WHEN "length_of_stay" < 400.0::float8 THEN 0.3::float8 + (0.52::float8 - 0.3::float8) * (((LN(1.0::float8 + "length_of_stay") - ((1.0::float8 + "length_of_stay") - 1.0::float8 - "length_of_stay") / (1.0::float8 + "length_of_stay")) - LN(1.0::float8 + 30.0::float8)) / (LN(1.0::float8 + 400.0::float8) - LN(1.0::float8 + 30.0::float8)))
          ELSE 0.52::float8
        END
      + CASE
          WHEN "sex" IS NULL THEN NULL
          WHEN "sex" = 'Female' THEN (-0.2::float8)
          WHEN "sex" = 'Male' THEN 0.05::float8
          ELSE 0.0::float8
        END
      + CASE
          WHEN "c_charge_degree" IS NULL THEN (-0.02::float8)
          WHEN "c_charge_degree" = 'F' THEN 0.07::float8
          WHEN "c_charge_degree" = 'M' THEN (-0.12::float8)
          ELSE 0.01::float8
        END
      AS "score"
  FROM "inputs"
)
SELECT
  "score",
  CASE
    WHEN "score" < (-709.782712893384::float8) THEN 0.0::float8
    WHEN -"score" < (-745.0::float8) THEN 1.0::float8
    ELSE 1.0::float8 / (1.0::float8 + EXP(-"score"))
  END AS "probability"
FROM "scores";
