-- Pairwise interaction terms.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: spark. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
-- Numbers end in e0 so that the engine computes in doubles, as the model does (it reads 0.5 as an exact DECIMAL).
-- score is the log-odds; probability applies the link.
WITH `inputs` AS (
  SELECT
    CAST(`age` AS DOUBLE) AS `age`,
    CAST(`income` AS DOUBLE) AS `income`,
    CAST(`region` AS STRING) AS `region`,
    CAST(`hours` AS DOUBLE) AS `hours`
  FROM `input`
), `scores` AS (
  SELECT
      (-1.0e0)
      + CASE
          WHEN `age` IS NULL THEN NULL
          WHEN `age` <= 20.0e0 THEN (-0.5e0)
          WHEN `age` < 60.0e0 THEN (-0.5e0) + (0.5e0 - (-0.5e0)) * ((`age` - 20.0e0) / (60.0e0 - 20.0e0))
          ELSE 0.5e0
        END
      + CASE
          WHEN `age` IS NULL AND NOT `income` IS NULL THEN CASE
              WHEN `income` <= 50000.0e0 THEN 0.4e0
              ELSE (-0.4e0)
            END
          WHEN `income` IS NULL AND NOT `age` IS NULL THEN CASE
              WHEN `age` < 30.0e0 THEN 0.15e0
              WHEN `age` < 45.5e0 THEN 0.25e0
              ELSE 0.35e0
            END
          WHEN `age` IS NULL OR `income` IS NULL THEN 0.0e0
          WHEN `age` < 30.0e0 THEN CASE
              WHEN `income` <= 50000.0e0 THEN 0.1e0
              ELSE (-0.1e0)
            END
          WHEN `age` < 45.5e0 THEN CASE
              WHEN `income` <= 50000.0e0 THEN 0.2e0
              ELSE (-0.2e0)
            END
          ELSE CASE
              WHEN `income` <= 50000.0e0 THEN 0.3e0
              ELSE (-0.3e0)
            END
        END
      + CASE
          WHEN `region` IS NULL AND NOT `age` IS NULL THEN CASE
              WHEN `age` < 40.0e0 THEN 7.0e0
              ELSE 8.0e0
            END
          WHEN `region` IS NULL OR `age` IS NULL THEN NULL
          WHEN `region` = 'north' THEN CASE
              WHEN `age` < 40.0e0 THEN 1.0e0
              ELSE 2.0e0
            END
          WHEN `region` = 'south' THEN CASE
              WHEN `age` < 40.0e0 THEN 3.0e0
              ELSE 4.0e0
            END
          ELSE CASE
              WHEN `age` < 40.0e0 THEN (-5.0e0)
              ELSE (-6.0e0)
            END
        END
      + CASE
          WHEN `hours` IS NULL OR `income` IS NULL THEN 0.5e0
          WHEN `hours` <= 0.0e0 THEN CASE
              WHEN `income` <= 0.0e0 THEN 0.0e0
              WHEN `income` < 100000.0e0 THEN 0.0e0 + (0.5e0 - 0.0e0) * ((`income` - 0.0e0) / (100000.0e0 - 0.0e0))
              ELSE 0.5e0
            END
          WHEN `hours` < 40.0e0 THEN CASE
              WHEN `income` <= 0.0e0 THEN (0.0e0) + ((0.25e0) - (0.0e0)) * ((`hours` - 0.0e0) / (40.0e0 - 0.0e0))
              WHEN `income` < 100000.0e0 THEN (0.0e0 + (0.5e0 - 0.0e0) * ((`income` - 0.0e0) / (100000.0e0 - 0.0e0))) + ((0.25e0 + (1.0e0 - 0.25e0) * ((`income` - 0.0e0) / (100000.0e0 - 0.0e0))) - (0.0e0 + (0.5e0 - 0.0e0) * ((`income` - 0.0e0) / (100000.0e0 - 0.0e0)))) * ((`hours` - 0.0e0) / (40.0e0 - 0.0e0))
              ELSE (0.5e0) + ((1.0e0) - (0.5e0)) * ((`hours` - 0.0e0) / (40.0e0 - 0.0e0))
            END
          WHEN `hours` < 80.0e0 THEN CASE
              WHEN `income` <= 0.0e0 THEN (0.25e0) + (((-0.5e0)) - (0.25e0)) * ((`hours` - 40.0e0) / (80.0e0 - 40.0e0))
              WHEN `income` < 100000.0e0 THEN (0.25e0 + (1.0e0 - 0.25e0) * ((`income` - 0.0e0) / (100000.0e0 - 0.0e0))) + (((-0.5e0) + (2.0e0 - (-0.5e0)) * ((`income` - 0.0e0) / (100000.0e0 - 0.0e0))) - (0.25e0 + (1.0e0 - 0.25e0) * ((`income` - 0.0e0) / (100000.0e0 - 0.0e0)))) * ((`hours` - 40.0e0) / (80.0e0 - 40.0e0))
              ELSE (1.0e0) + ((2.0e0) - (1.0e0)) * ((`hours` - 40.0e0) / (80.0e0 - 40.0e0))
            END
          ELSE CASE
              WHEN `income` <= 0.0e0 THEN (-0.5e0)
              WHEN `income` < 100000.0e0 THEN (-0.5e0) + (2.0e0 - (-0.5e0)) * ((`income` - 0.0e0) / (100000.0e0 - 0.0e0))
              ELSE 2.0e0
            END
        END
      AS `score`
  FROM `inputs`
)
SELECT
  `score`,
  CASE
    WHEN `score` < (-709.782712893384e0) THEN 0.0e0
    WHEN -`score` < (-745.0e0) THEN 1.0e0
    ELSE 1.0e0 / (1.0e0 + EXP(-`score`))
  END AS `probability`
FROM `scores`;
