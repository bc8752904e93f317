-- Recidivism risk (log-odds of two_year_recid), hand-written for the golden tests.
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
    CAST(`priors_count` AS DOUBLE) AS `priors_count`,
    CAST(`length_of_stay` AS DOUBLE) AS `length_of_stay`,
    CAST(`sex` AS STRING) AS `sex`,
    CAST(`c_charge_degree` AS STRING) AS `c_charge_degree`
  FROM `input`
), `scores` AS (
  SELECT
      (-0.35e0)
      + CASE
          WHEN `age` IS NULL THEN NULL
          WHEN `age` <= 18.0e0 THEN 0.61e0
          WHEN `age` < 25.0e0 THEN 0.61e0 + (0.2e0 - 0.61e0) * ((`age` - 18.0e0) / (25.0e0 - 18.0e0))
          WHEN `age` < 46.0e0 THEN 0.2e0 + ((-0.45e0) - 0.2e0) * ((`age` - 25.0e0) / (46.0e0 - 25.0e0))
          WHEN `age` < 70.0e0 THEN (-0.45e0) + ((-0.6e0) - (-0.45e0)) * ((`age` - 46.0e0) / (70.0e0 - 46.0e0))
          ELSE (-0.6e0)
        END
      + CASE
          WHEN `priors_count` IS NULL THEN 0.0e0
          WHEN `priors_count` <= 0.0e0 THEN (-0.4e0)
          WHEN `priors_count` < 3.0e0 THEN (-0.4e0) + (0.15e0 - (-0.4e0)) * ((`priors_count` - 0.0e0) / (3.0e0 - 0.0e0))
          WHEN `priors_count` < 15.0e0 THEN 0.15e0 + (0.9e0 - 0.15e0) * ((`priors_count` - 3.0e0) / (15.0e0 - 3.0e0))
          ELSE 0.9e0
        END
      + CASE
          WHEN `length_of_stay` IS NULL THEN NULL
          WHEN `length_of_stay` <= 0.0e0 THEN (-0.1e0)
          WHEN `length_of_stay` < 30.0e0 THEN (-0.1e0) + (0.3e0 - (-0.1e0)) * (((LN(1.0e0 + `length_of_stay`) - ((1.0e0 + `length_of_stay`) - 1.0e0 - `length_of_stay`) / (1.0e0 + `length_of_stay`)) - LN(1.0e0 + 0.0e0)) / (LN(1.0e0 + 30.0e0) - LN(1.0e0 + 0.0e0)))
          WHEN `length_of_stay` < 400.0e0 THEN 0.3e0 + (0.52e0 - 0.3e0) * (((LN(1.0e0 + `length_of_stay`) - ((1.0e0 + `length_of_stay`) - 1.0e0 - `length_of_stay`) / (1.0e0 + `length_of_stay`)) - LN(1.0e0 + 30.0e0)) / (LN(1.0e0 + 400.0e0) - LN(1.0e0 + 30.0e0)))
          ELSE 0.52e0
        END
      + CASE
          WHEN `sex` IS NULL THEN NULL
          WHEN `sex` = 'Female' THEN (-0.2e0)
          WHEN `sex` = 'Male' THEN 0.05e0
          ELSE 0.0e0
        END
      + CASE
          WHEN `c_charge_degree` IS NULL THEN (-0.02e0)
          WHEN `c_charge_degree` = 'F' THEN 0.07e0
          WHEN `c_charge_degree` = 'M' THEN (-0.12e0)
          ELSE 0.01e0
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
