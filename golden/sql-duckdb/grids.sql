-- Pairwise interaction terms.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: duckdb. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
-- Numbers end in e0 so that the engine computes in doubles, as the model does (it reads 0.5 as an exact DECIMAL).
-- score is the log-odds; probability applies the link.
WITH "inputs" AS (
  SELECT
    CAST("age" AS DOUBLE) AS "age",
    CAST("income" AS DOUBLE) AS "income",
    CAST("region" AS TEXT) AS "region",
    CAST("hours" AS DOUBLE) AS "hours"
  FROM "input"
), "bins" AS (
  SELECT
    *,
    CASE
      WHEN "age" < 30.0e0 THEN 1
      WHEN "age" < 45.5e0 THEN 2
      ELSE 3
    END AS "age_bin",
    CASE
      WHEN "income" <= 50000.0e0 THEN 1
      ELSE 2
    END AS "income_bin",
    CASE
      WHEN "region" = 'north' THEN 1
      WHEN "region" = 'south' THEN 2
      ELSE 3
    END AS "region_bin",
    CASE
      WHEN "age" < 40.0e0 THEN 1
      ELSE 2
    END AS "age_bin_2"
  FROM "inputs"
), "scores" AS (
  SELECT
      (-1.0e0)
      + CASE
          WHEN "age" IS NULL THEN NULL
          WHEN "age" <= 20.0e0 THEN (-0.5e0)
          WHEN "age" < 60.0e0 THEN (-0.5e0) + (0.5e0 - (-0.5e0)) * (("age" - 20.0e0) / (60.0e0 - 20.0e0))
          ELSE 0.5e0
        END
      + CASE
          WHEN "age" IS NULL AND NOT "income" IS NULL THEN CASE
              WHEN "income" <= 50000.0e0 THEN 0.4e0
              ELSE (-0.4e0)
            END
          WHEN "income" IS NULL AND NOT "age" IS NULL THEN CASE
              WHEN "age" < 30.0e0 THEN 0.15e0
              WHEN "age" < 45.5e0 THEN 0.25e0
              ELSE 0.35e0
            END
          WHEN "age" IS NULL OR "income" IS NULL THEN 0.0e0
          ELSE LIST_EXTRACT(
              LIST_EXTRACT(
                [
                  [0.1e0, (-0.1e0)],
                  [0.2e0, (-0.2e0)],
                  [0.3e0, (-0.3e0)]
                ],
                "age_bin"
              ),
              "income_bin"
            )
        END
      + CASE
          WHEN "region" IS NULL AND NOT "age" IS NULL THEN CASE
              WHEN "age" < 40.0e0 THEN 7.0e0
              ELSE 8.0e0
            END
          WHEN "region" IS NULL OR "age" IS NULL THEN NULL
          ELSE LIST_EXTRACT(
              LIST_EXTRACT(
                [
                  [1.0e0, 2.0e0],
                  [3.0e0, 4.0e0],
                  [(-5.0e0), (-6.0e0)]
                ],
                "region_bin"
              ),
              "age_bin_2"
            )
        END
      + CASE
          WHEN "hours" IS NULL OR "income" IS NULL THEN 0.5e0
          WHEN "hours" <= 0.0e0 THEN CASE
              WHEN "income" <= 0.0e0 THEN 0.0e0
              WHEN "income" < 100000.0e0 THEN 0.0e0 + (0.5e0 - 0.0e0) * (("income" - 0.0e0) / (100000.0e0 - 0.0e0))
              ELSE 0.5e0
            END
          WHEN "hours" < 40.0e0 THEN CASE
              WHEN "income" <= 0.0e0 THEN (0.0e0) + ((0.25e0) - (0.0e0)) * (("hours" - 0.0e0) / (40.0e0 - 0.0e0))
              WHEN "income" < 100000.0e0 THEN (0.0e0 + (0.5e0 - 0.0e0) * (("income" - 0.0e0) / (100000.0e0 - 0.0e0))) + ((0.25e0 + (1.0e0 - 0.25e0) * (("income" - 0.0e0) / (100000.0e0 - 0.0e0))) - (0.0e0 + (0.5e0 - 0.0e0) * (("income" - 0.0e0) / (100000.0e0 - 0.0e0)))) * (("hours" - 0.0e0) / (40.0e0 - 0.0e0))
              ELSE (0.5e0) + ((1.0e0) - (0.5e0)) * (("hours" - 0.0e0) / (40.0e0 - 0.0e0))
            END
          WHEN "hours" < 80.0e0 THEN CASE
              WHEN "income" <= 0.0e0 THEN (0.25e0) + (((-0.5e0)) - (0.25e0)) * (("hours" - 40.0e0) / (80.0e0 - 40.0e0))
              WHEN "income" < 100000.0e0 THEN (0.25e0 + (1.0e0 - 0.25e0) * (("income" - 0.0e0) / (100000.0e0 - 0.0e0))) + (((-0.5e0) + (2.0e0 - (-0.5e0)) * (("income" - 0.0e0) / (100000.0e0 - 0.0e0))) - (0.25e0 + (1.0e0 - 0.25e0) * (("income" - 0.0e0) / (100000.0e0 - 0.0e0)))) * (("hours" - 40.0e0) / (80.0e0 - 40.0e0))
              ELSE (1.0e0) + ((2.0e0) - (1.0e0)) * (("hours" - 40.0e0) / (80.0e0 - 40.0e0))
            END
          ELSE CASE
              WHEN "income" <= 0.0e0 THEN (-0.5e0)
              WHEN "income" < 100000.0e0 THEN (-0.5e0) + (2.0e0 - (-0.5e0)) * (("income" - 0.0e0) / (100000.0e0 - 0.0e0))
              ELSE 2.0e0
            END
        END
      AS "score"
  FROM "bins"
)
SELECT
  "score",
  CASE
    WHEN "score" < (-709.782712893384e0) THEN 0.0e0
    WHEN -"score" < (-745.0e0) THEN 1.0e0
    ELSE 1.0e0 / (1.0e0 + EXP(-"score"))
  END AS "probability"
FROM "scores";
