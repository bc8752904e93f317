-- Pairwise interaction terms.
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
    CAST("income" AS REAL) AS "income",
    CAST("region" AS TEXT) AS "region",
    CAST("hours" AS REAL) AS "hours"
  FROM "input"
), "scores" AS (
  SELECT
      (-1.0)
      + CASE
          WHEN "age" IS NULL THEN NULL
          WHEN "age" <= 20.0 THEN (-0.5)
          WHEN "age" < 60.0 THEN (-0.5) + (0.5 - (-0.5)) * (("age" - 20.0) / (60.0 - 20.0))
          ELSE 0.5
        END
      + CASE
          WHEN "age" IS NULL AND NOT "income" IS NULL THEN CASE
              WHEN "income" <= 50000.0 THEN 0.4
              ELSE (-0.4)
            END
          WHEN "income" IS NULL AND NOT "age" IS NULL THEN CASE
              WHEN "age" < 30.0 THEN 0.15
              WHEN "age" < 45.5 THEN 0.25
              ELSE 0.35
            END
          WHEN "age" IS NULL OR "income" IS NULL THEN 0.0
          WHEN "age" < 30.0 THEN CASE
              WHEN "income" <= 50000.0 THEN 0.1
              ELSE (-0.1)
            END
          WHEN "age" < 45.5 THEN CASE
              WHEN "income" <= 50000.0 THEN 0.2
              ELSE (-0.2)
            END
          ELSE CASE
              WHEN "income" <= 50000.0 THEN 0.3
              ELSE (-0.3)
            END
        END
      + CASE
          WHEN "region" IS NULL AND NOT "age" IS NULL THEN CASE
              WHEN "age" < 40.0 THEN 7.0
              ELSE 8.0
            END
          WHEN "region" IS NULL OR "age" IS NULL THEN NULL
          WHEN "region" = 'north' THEN CASE
              WHEN "age" < 40.0 THEN 1.0
              ELSE 2.0
            END
          WHEN "region" = 'south' THEN CASE
              WHEN "age" < 40.0 THEN 3.0
              ELSE 4.0
            END
          ELSE CASE
              WHEN "age" < 40.0 THEN (-5.0)
              ELSE (-6.0)
            END
        END
      + CASE
          WHEN "hours" IS NULL OR "income" IS NULL THEN 0.5
          WHEN "hours" <= 0.0 THEN CASE
              WHEN "income" <= 0.0 THEN 0.0
              WHEN "income" < 100000.0 THEN 0.0 + (0.5 - 0.0) * (("income" - 0.0) / (100000.0 - 0.0))
              ELSE 0.5
            END
          WHEN "hours" < 40.0 THEN CASE
              WHEN "income" <= 0.0 THEN (0.0) + ((0.25) - (0.0)) * (("hours" - 0.0) / (40.0 - 0.0))
              WHEN "income" < 100000.0 THEN (0.0 + (0.5 - 0.0) * (("income" - 0.0) / (100000.0 - 0.0))) + ((0.25 + (1.0 - 0.25) * (("income" - 0.0) / (100000.0 - 0.0))) - (0.0 + (0.5 - 0.0) * (("income" - 0.0) / (100000.0 - 0.0)))) * (("hours" - 0.0) / (40.0 - 0.0))
              ELSE (0.5) + ((1.0) - (0.5)) * (("hours" - 0.0) / (40.0 - 0.0))
            END
          WHEN "hours" < 80.0 THEN CASE
              WHEN "income" <= 0.0 THEN (0.25) + (((-0.5)) - (0.25)) * (("hours" - 40.0) / (80.0 - 40.0))
              WHEN "income" < 100000.0 THEN (0.25 + (1.0 - 0.25) * (("income" - 0.0) / (100000.0 - 0.0))) + (((-0.5) + (2.0 - (-0.5)) * (("income" - 0.0) / (100000.0 - 0.0))) - (0.25 + (1.0 - 0.25) * (("income" - 0.0) / (100000.0 - 0.0)))) * (("hours" - 40.0) / (80.0 - 40.0))
              ELSE (1.0) + ((2.0) - (1.0)) * (("hours" - 40.0) / (80.0 - 40.0))
            END
          ELSE CASE
              WHEN "income" <= 0.0 THEN (-0.5)
              WHEN "income" < 100000.0 THEN (-0.5) + (2.0 - (-0.5)) * (("income" - 0.0) / (100000.0 - 0.0))
              ELSE 2.0
            END
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
