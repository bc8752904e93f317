-- Pairwise interaction terms.
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
    CAST("income" AS DOUBLE PRECISION) AS "income",
    CAST("region" AS TEXT) AS "region",
    CAST("hours" AS DOUBLE PRECISION) AS "hours"
  FROM "input"
), "scores" AS (
  SELECT
      (-1.0::float8)
      + CASE
          WHEN "age" IS NULL THEN NULL
          WHEN "age" <= 20.0::float8 THEN (-0.5::float8)
          WHEN "age" < 60.0::float8 THEN (-0.5::float8) + (0.5::float8 - (-0.5::float8)) * (("age" - 20.0::float8) / (60.0::float8 - 20.0::float8))
          ELSE 0.5::float8
        END
      + CASE
          WHEN "age" IS NULL AND NOT "income" IS NULL THEN CASE
              WHEN "income" <= 50000.0::float8 THEN 0.4::float8
              ELSE (-0.4::float8)
            END
          WHEN "income" IS NULL AND NOT "age" IS NULL THEN CASE
              WHEN "age" < 30.0::float8 THEN 0.15::float8
              WHEN "age" < 45.5::float8 THEN 0.25::float8
              ELSE 0.35::float8
            END
          WHEN "age" IS NULL OR "income" IS NULL THEN 0.0::float8
          WHEN "age" < 30.0::float8 THEN CASE
              WHEN "income" <= 50000.0::float8 THEN 0.1::float8
              ELSE (-0.1::float8)
            END
          WHEN "age" < 45.5::float8 THEN CASE
              WHEN "income" <= 50000.0::float8 THEN 0.2::float8
              ELSE (-0.2::float8)
            END
          ELSE CASE
              WHEN "income" <= 50000.0::float8 THEN 0.3::float8
              ELSE (-0.3::float8)
            END
        END
      + CASE
          WHEN "region" IS NULL AND NOT "age" IS NULL THEN CASE
              WHEN "age" < 40.0::float8 THEN 7.0::float8
              ELSE 8.0::float8
            END
          WHEN "region" IS NULL OR "age" IS NULL THEN NULL
          WHEN "region" = 'north' THEN CASE
              WHEN "age" < 40.0::float8 THEN 1.0::float8
              ELSE 2.0::float8
            END
          WHEN "region" = 'south' THEN CASE
              WHEN "age" < 40.0::float8 THEN 3.0::float8
              ELSE 4.0::float8
            END
          ELSE CASE
              WHEN "age" < 40.0::float8 THEN (-5.0::float8)
              ELSE (-6.0::float8)
            END
        END
      + CASE
          WHEN "hours" IS NULL OR "income" IS NULL THEN 0.5::float8
          WHEN "hours" <= 0.0::float8 THEN CASE
              WHEN "income" <= 0.0::float8 THEN 0.0::float8
              WHEN "income" < 100000.0::float8 THEN 0.0::float8 + (0.5::float8 - 0.0::float8) * (CASE WHEN "income" <= 7.41094e-319::float8 THEN 0.0::float8 ELSE ("income" - 0.0::float8) / (100000.0::float8 - 0.0::float8) END)
              ELSE 0.5::float8
            END
          WHEN "hours" < 40.0::float8 THEN CASE
              WHEN "income" <= 0.0::float8 THEN (0.0::float8) + ((0.25::float8) - (0.0::float8)) * (CASE WHEN "hours" <= 4.94e-322::float8 THEN 0.0::float8 ELSE ("hours" - 0.0::float8) / (40.0::float8 - 0.0::float8) END)
              WHEN "income" < 100000.0::float8 THEN (0.0::float8 + (0.5::float8 - 0.0::float8) * (CASE WHEN "income" <= 7.41094e-319::float8 THEN 0.0::float8 ELSE ("income" - 0.0::float8) / (100000.0::float8 - 0.0::float8) END)) + ((0.25::float8 + (1.0::float8 - 0.25::float8) * (CASE WHEN "income" <= 2.47033e-319::float8 THEN 0.0::float8 ELSE ("income" - 0.0::float8) / (100000.0::float8 - 0.0::float8) END)) - (0.0::float8 + (0.5::float8 - 0.0::float8) * (CASE WHEN "income" <= 7.41094e-319::float8 THEN 0.0::float8 ELSE ("income" - 0.0::float8) / (100000.0::float8 - 0.0::float8) END))) * (CASE WHEN "hours" <= 1e-322::float8 THEN 0.0::float8 ELSE ("hours" - 0.0::float8) / (40.0::float8 - 0.0::float8) END)
              ELSE (0.5::float8) + ((1.0::float8) - (0.5::float8)) * (CASE WHEN "hours" <= 2.9e-322::float8 THEN 0.0::float8 ELSE ("hours" - 0.0::float8) / (40.0::float8 - 0.0::float8) END)
            END
          WHEN "hours" < 80.0::float8 THEN CASE
              WHEN "income" <= 0.0::float8 THEN (0.25::float8) + (((-0.5::float8)) - (0.25::float8)) * (("hours" - 40.0::float8) / (80.0::float8 - 40.0::float8))
              WHEN "income" < 100000.0::float8 THEN (0.25::float8 + (1.0::float8 - 0.25::float8) * (CASE WHEN "income" <= 2.47033e-319::float8 THEN 0.0::float8 ELSE ("income" - 0.0::float8) / (100000.0::float8 - 0.0::float8) END)) + (((-0.5::float8) + (2.0::float8 - (-0.5::float8)) * (CASE WHEN "income" <= 2.47033e-319::float8 THEN 0.0::float8 ELSE ("income" - 0.0::float8) / (100000.0::float8 - 0.0::float8) END)) - (0.25::float8 + (1.0::float8 - 0.25::float8) * (CASE WHEN "income" <= 2.47033e-319::float8 THEN 0.0::float8 ELSE ("income" - 0.0::float8) / (100000.0::float8 - 0.0::float8) END))) * (("hours" - 40.0::float8) / (80.0::float8 - 40.0::float8))
              ELSE (1.0::float8) + ((2.0::float8) - (1.0::float8)) * (("hours" - 40.0::float8) / (80.0::float8 - 40.0::float8))
            END
          ELSE CASE
              WHEN "income" <= 0.0::float8 THEN (-0.5::float8)
              WHEN "income" < 100000.0::float8 THEN (-0.5::float8) + (2.0::float8 - (-0.5::float8)) * (CASE WHEN "income" <= 2.47033e-319::float8 THEN 0.0::float8 ELSE ("income" - 0.0::float8) / (100000.0::float8 - 0.0::float8) END)
              ELSE 2.0::float8
            END
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
