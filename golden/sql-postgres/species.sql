-- Three classes of iris-like flowers, by hand.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: postgres. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
-- Numbers are cast ::float8 so that the engine computes in doubles, as the model does (it reads 0.5 as an exact NUMERIC).
-- species_CLASS is the score of each class; probability_CLASS its softmax.
WITH "inputs" AS (
  SELECT
    CAST("petal_length" AS DOUBLE PRECISION) AS "petal_length",
    CAST("petal_width" AS DOUBLE PRECISION) AS "petal_width",
    CAST("soil type" AS TEXT) AS "soil type"
  FROM "input"
), "scores" AS (
  SELECT
    2.5::float8
    + CASE
        WHEN "petal_length" IS NULL THEN NULL
        WHEN "petal_length" <= 1.0::float8 THEN 3.0::float8
        WHEN "petal_length" < 2.5::float8 THEN 3.0::float8 + (1.5::float8 - 3.0::float8) * (("petal_length" - 1.0::float8) / (2.5::float8 - 1.0::float8))
        WHEN "petal_length" < 4.0::float8 THEN 1.5::float8 + ((-4.0::float8) - 1.5::float8) * (("petal_length" - 2.5::float8) / (4.0::float8 - 2.5::float8))
        ELSE (-4.0::float8)
      END
    + CASE
        WHEN "soil type" IS NULL THEN 0.0::float8
        WHEN "soil type" = 'clay' THEN 0.25::float8
        WHEN "soil type" = 'sand' THEN (-0.25::float8)
        ELSE 0.0::float8
      END
      AS "species_setosa",
    0.5::float8
    + CASE
        WHEN "petal_length" IS NULL THEN 0.0::float8
        WHEN "petal_length" <= 1.0::float8 THEN (-1.0::float8)
        WHEN "petal_length" < 4.5::float8 THEN (-1.0::float8) + (1.25::float8 - (-1.0::float8)) * ((LN("petal_length") - LN(1.0::float8)) / (LN(4.5::float8) - LN(1.0::float8)))
        WHEN "petal_length" < 6.0::float8 THEN 1.25::float8 + ((-0.5::float8) - 1.25::float8) * ((LN("petal_length") - LN(4.5::float8)) / (LN(6.0::float8) - LN(4.5::float8)))
        ELSE (-0.5::float8)
      END
    + CASE
        WHEN "petal_width" IS NULL THEN 0.0::float8
        WHEN "petal_width" <= 0.75::float8 THEN (-0.5::float8)
        WHEN "petal_width" <= 1.75::float8 THEN 0.5::float8
        ELSE (-1.0::float8)
      END
      AS "species_versicolor",
    (-3.0::float8)
    + CASE
        WHEN "petal_length" IS NULL THEN NULL
        WHEN "petal_length" < 4.75::float8 THEN (-2.0::float8)
        WHEN "petal_length" < 5.5::float8 THEN 1.0::float8
        ELSE 2.5::float8
      END
    + CASE
        WHEN "petal_width" IS NULL AND NOT "soil type" IS NULL THEN CASE
            WHEN "soil type" = 'clay' THEN 0.5::float8
            WHEN "soil type" = 'sand' THEN 0.5::float8
            ELSE 0.0::float8
          END
        WHEN "petal_width" IS NULL OR "soil type" IS NULL THEN 0.0::float8
        WHEN "petal_width" <= 0.0::float8 THEN CASE
            WHEN "soil type" = 'clay' THEN 0.0::float8
            WHEN "soil type" = 'sand' THEN 0.5::float8
            ELSE 0.0::float8
          END
        WHEN "petal_width" < 1.5::float8 THEN CASE
            WHEN "soil type" = 'clay' THEN (0.0::float8) + ((1.0::float8) - (0.0::float8)) * (("petal_width" - 0.0::float8) / (1.5::float8 - 0.0::float8))
            WHEN "soil type" = 'sand' THEN (0.5::float8) + ((1.5::float8) - (0.5::float8)) * (("petal_width" - 0.0::float8) / (1.5::float8 - 0.0::float8))
            ELSE (0.0::float8) + ((1.0::float8) - (0.0::float8)) * (("petal_width" - 0.0::float8) / (1.5::float8 - 0.0::float8))
          END
        WHEN "petal_width" < 2.5::float8 THEN CASE
            WHEN "soil type" = 'clay' THEN (1.0::float8) + ((3.0::float8) - (1.0::float8)) * (("petal_width" - 1.5::float8) / (2.5::float8 - 1.5::float8))
            WHEN "soil type" = 'sand' THEN (1.5::float8) + ((2.5::float8) - (1.5::float8)) * (("petal_width" - 1.5::float8) / (2.5::float8 - 1.5::float8))
            ELSE (1.0::float8) + ((2.0::float8) - (1.0::float8)) * (("petal_width" - 1.5::float8) / (2.5::float8 - 1.5::float8))
          END
        ELSE CASE
            WHEN "soil type" = 'clay' THEN 3.0::float8
            WHEN "soil type" = 'sand' THEN 2.5::float8
            ELSE 2.0::float8
          END
      END
      AS "species_virginica"
  FROM "inputs"
), "softmax" AS (
  SELECT
    "species_setosa",
    "species_versicolor",
    "species_virginica",
    CASE
      WHEN "species_setosa" - GREATEST("species_setosa", "species_versicolor", "species_virginica") <= (-745.1332191019412::float8) THEN 0.0::float8
      ELSE EXP("species_setosa" - GREATEST("species_setosa", "species_versicolor", "species_virginica"))
    END AS "exp_setosa",
    CASE
      WHEN "species_versicolor" - GREATEST("species_setosa", "species_versicolor", "species_virginica") <= (-745.1332191019412::float8) THEN 0.0::float8
      ELSE EXP("species_versicolor" - GREATEST("species_setosa", "species_versicolor", "species_virginica"))
    END AS "exp_versicolor",
    CASE
      WHEN "species_virginica" - GREATEST("species_setosa", "species_versicolor", "species_virginica") <= (-745.1332191019412::float8) THEN 0.0::float8
      ELSE EXP("species_virginica" - GREATEST("species_setosa", "species_versicolor", "species_virginica"))
    END AS "exp_virginica"
  FROM "scores"
)
SELECT
  "species_setosa",
  "species_versicolor",
  "species_virginica",
  "exp_setosa" / ("exp_setosa" + "exp_versicolor" + "exp_virginica") AS "probability_setosa",
  "exp_versicolor" / ("exp_setosa" + "exp_versicolor" + "exp_virginica") AS "probability_versicolor",
  "exp_virginica" / ("exp_setosa" + "exp_versicolor" + "exp_virginica") AS "probability_virginica"
FROM "softmax";
