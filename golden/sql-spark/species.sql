-- Three classes of iris-like flowers, by hand.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: spark. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
-- Numbers end in e0 so that the engine computes in doubles, as the model does (it reads 0.5 as an exact DECIMAL).
-- species_CLASS is the score of each class; probability_CLASS its softmax.
WITH `inputs` AS (
  SELECT
    CAST(`petal_length` AS DOUBLE) AS `petal_length`,
    CAST(`petal_width` AS DOUBLE) AS `petal_width`,
    CAST(`soil type` AS STRING) AS `soil type`
  FROM `input`
), `scores` AS (
  SELECT
    2.5e0
    + CASE
        WHEN `petal_length` IS NULL THEN NULL
        WHEN `petal_length` <= 1.0e0 THEN 3.0e0
        WHEN `petal_length` < 2.5e0 THEN 3.0e0 + (1.5e0 - 3.0e0) * ((`petal_length` - 1.0e0) / (2.5e0 - 1.0e0))
        WHEN `petal_length` < 4.0e0 THEN 1.5e0 + ((-4.0e0) - 1.5e0) * ((`petal_length` - 2.5e0) / (4.0e0 - 2.5e0))
        ELSE (-4.0e0)
      END
    + CASE
        WHEN `soil type` IS NULL THEN 0.0e0
        WHEN `soil type` = 'clay' THEN 0.25e0
        WHEN `soil type` = 'sand' THEN (-0.25e0)
        ELSE 0.0e0
      END
      AS `species_setosa`,
    0.5e0
    + CASE
        WHEN `petal_length` IS NULL THEN 0.0e0
        WHEN `petal_length` <= 1.0e0 THEN (-1.0e0)
        WHEN `petal_length` < 4.5e0 THEN (-1.0e0) + (1.25e0 - (-1.0e0)) * ((LN(`petal_length`) - LN(1.0e0)) / (LN(4.5e0) - LN(1.0e0)))
        WHEN `petal_length` < 6.0e0 THEN 1.25e0 + ((-0.5e0) - 1.25e0) * ((LN(`petal_length`) - LN(4.5e0)) / (LN(6.0e0) - LN(4.5e0)))
        ELSE (-0.5e0)
      END
    + CASE
        WHEN `petal_width` IS NULL THEN 0.0e0
        WHEN `petal_width` <= 0.75e0 THEN (-0.5e0)
        WHEN `petal_width` <= 1.75e0 THEN 0.5e0
        ELSE (-1.0e0)
      END
      AS `species_versicolor`,
    (-3.0e0)
    + CASE
        WHEN `petal_length` IS NULL THEN NULL
        WHEN `petal_length` < 4.75e0 THEN (-2.0e0)
        WHEN `petal_length` < 5.5e0 THEN 1.0e0
        ELSE 2.5e0
      END
    + CASE
        WHEN `petal_width` IS NULL AND NOT `soil type` IS NULL THEN CASE
            WHEN `soil type` = 'clay' THEN 0.5e0
            WHEN `soil type` = 'sand' THEN 0.5e0
            ELSE 0.0e0
          END
        WHEN `petal_width` IS NULL OR `soil type` IS NULL THEN 0.0e0
        WHEN `petal_width` <= 0.0e0 THEN CASE
            WHEN `soil type` = 'clay' THEN 0.0e0
            WHEN `soil type` = 'sand' THEN 0.5e0
            ELSE 0.0e0
          END
        WHEN `petal_width` < 1.5e0 THEN CASE
            WHEN `soil type` = 'clay' THEN (0.0e0) + ((1.0e0) - (0.0e0)) * ((`petal_width` - 0.0e0) / (1.5e0 - 0.0e0))
            WHEN `soil type` = 'sand' THEN (0.5e0) + ((1.5e0) - (0.5e0)) * ((`petal_width` - 0.0e0) / (1.5e0 - 0.0e0))
            ELSE (0.0e0) + ((1.0e0) - (0.0e0)) * ((`petal_width` - 0.0e0) / (1.5e0 - 0.0e0))
          END
        WHEN `petal_width` < 2.5e0 THEN CASE
            WHEN `soil type` = 'clay' THEN (1.0e0) + ((3.0e0) - (1.0e0)) * ((`petal_width` - 1.5e0) / (2.5e0 - 1.5e0))
            WHEN `soil type` = 'sand' THEN (1.5e0) + ((2.5e0) - (1.5e0)) * ((`petal_width` - 1.5e0) / (2.5e0 - 1.5e0))
            ELSE (1.0e0) + ((2.0e0) - (1.0e0)) * ((`petal_width` - 1.5e0) / (2.5e0 - 1.5e0))
          END
        ELSE CASE
            WHEN `soil type` = 'clay' THEN 3.0e0
            WHEN `soil type` = 'sand' THEN 2.5e0
            ELSE 2.0e0
          END
      END
      AS `species_virginica`
  FROM `inputs`
), `softmax` AS (
  SELECT
    `species_setosa`,
    `species_versicolor`,
    `species_virginica`,
    EXP(`species_setosa` - GREATEST(`species_setosa`, `species_versicolor`, `species_virginica`)) AS `exp_setosa`,
    EXP(`species_versicolor` - GREATEST(`species_setosa`, `species_versicolor`, `species_virginica`)) AS `exp_versicolor`,
    EXP(`species_virginica` - GREATEST(`species_setosa`, `species_versicolor`, `species_virginica`)) AS `exp_virginica`
  FROM `scores`
)
SELECT
  `species_setosa`,
  `species_versicolor`,
  `species_virginica`,
  `exp_setosa` / (`exp_setosa` + `exp_versicolor` + `exp_virginica`) AS `probability_setosa`,
  `exp_versicolor` / (`exp_setosa` + `exp_versicolor` + `exp_virginica`) AS `probability_versicolor`,
  `exp_virginica` / (`exp_setosa` + `exp_versicolor` + `exp_virginica`) AS `probability_virginica`
FROM `softmax`;
