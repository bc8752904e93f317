-- Poisson-style model exercising fx = log, log1p, symlog1p.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: postgres. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
-- Numbers are cast ::float8 so that the engine computes in doubles, as the model does (it reads 0.5 as an exact NUMERIC).
-- A weight written CASE WHEN x <= limit THEN 0 is the weight that rounds to 0 below the limit: the engine would stop there.
-- expected_count is the log of the prediction; prediction applies the link.
WITH "inputs" AS (
  SELECT
    CAST("dose" AS DOUBLE PRECISION) AS "dose",
    CAST("balance" AS DOUBLE PRECISION) AS "balance",
    CAST("delta" AS DOUBLE PRECISION) AS "delta",
    CAST("flat" AS DOUBLE PRECISION) AS "flat",
    CAST("unused" AS DOUBLE PRECISION) AS "unused"
  FROM "input"
), "scores" AS (
  SELECT
      0.125::float8
      + CASE
          WHEN "dose" IS NULL THEN NULL
          WHEN "dose" <= 0.001::float8 THEN (-2.5::float8)
          WHEN "dose" < 0.5::float8 THEN (-2.5::float8) + (0.0::float8 - (-2.5::float8)) * ((LN("dose") - LN(0.001::float8)) / (LN(0.5::float8) - LN(0.001::float8)))
          WHEN "dose" < 10.0::float8 THEN 0.0::float8 + (1.25::float8 - 0.0::float8) * ((LN("dose") - LN(0.5::float8)) / (LN(10.0::float8) - LN(0.5::float8)))
          WHEN "dose" < 1000.0::float8 THEN 1.25::float8 + (2.0::float8 - 1.25::float8) * ((LN("dose") - LN(10.0::float8)) / (LN(1000.0::float8) - LN(10.0::float8)))
          ELSE 2.0::float8
        END
      + CASE
          WHEN "balance" IS NULL THEN 0.0::float8
          WHEN "balance" <= (-0.5::float8) THEN 1.0::float8
          WHEN "balance" < 0.0::float8 THEN 1.0::float8 + (0.0::float8 - 1.0::float8) * (((LN(1.0::float8 + "balance") - ((1.0::float8 + "balance") - 1.0::float8 - "balance") / (1.0::float8 + "balance")) - LN(1.0::float8 + (-0.5::float8))) / (LN(1.0::float8 + 0.0::float8) - LN(1.0::float8 + (-0.5::float8))))
          WHEN "balance" < 99.0::float8 THEN 0.0::float8 + ((-1.0::float8) - 0.0::float8) * (CASE WHEN "balance" <= 1e-323::float8 THEN 0.0::float8 ELSE ((LN(1.0::float8 + "balance") - ((1.0::float8 + "balance") - 1.0::float8 - "balance") / (1.0::float8 + "balance")) - LN(1.0::float8 + 0.0::float8)) / (LN(1.0::float8 + 99.0::float8) - LN(1.0::float8 + 0.0::float8)) END)
          WHEN "balance" < 1000000.0::float8 THEN (-1.0::float8) + ((-3.5::float8) - (-1.0::float8)) * (((LN(1.0::float8 + "balance") - ((1.0::float8 + "balance") - 1.0::float8 - "balance") / (1.0::float8 + "balance")) - LN(1.0::float8 + 99.0::float8)) / (LN(1.0::float8 + 1000000.0::float8) - LN(1.0::float8 + 99.0::float8)))
          ELSE (-3.5::float8)
        END
      + CASE
          WHEN "delta" IS NULL THEN NULL
          WHEN "delta" <= (-1000.0::float8) THEN (-2.0::float8)
          WHEN "delta" < (-1.0::float8) THEN (-2.0::float8) + ((-0.5::float8) - (-2.0::float8)) * (((-(LN(1.0::float8 + (-"delta")) - ((1.0::float8 + (-"delta")) - 1.0::float8 - (-"delta")) / (1.0::float8 + (-"delta")))) - (-LN(1.0::float8 + 1000.0::float8))) / ((-LN(1.0::float8 + 1.0::float8)) - (-LN(1.0::float8 + 1000.0::float8))))
          WHEN "delta" < 0.0::float8 THEN (-0.5::float8) + (0.0::float8 - (-0.5::float8)) * (((-(LN(1.0::float8 + (-"delta")) - ((1.0::float8 + (-"delta")) - 1.0::float8 - (-"delta")) / (1.0::float8 + (-"delta")))) - (-LN(1.0::float8 + 1.0::float8))) / (LN(1.0::float8 + 0.0::float8) - (-LN(1.0::float8 + 1.0::float8))))
          WHEN "delta" < 2.5::float8 THEN 0.0::float8 + (0.75::float8 - 0.0::float8) * (((LN(1.0::float8 + "delta") - ((1.0::float8 + "delta") - 1.0::float8 - "delta") / (1.0::float8 + "delta")) - LN(1.0::float8 + 0.0::float8)) / (LN(1.0::float8 + 2.5::float8) - LN(1.0::float8 + 0.0::float8)))
          WHEN "delta" < 50000.0::float8 THEN 0.75::float8 + (1.5::float8 - 0.75::float8) * (((LN(1.0::float8 + "delta") - ((1.0::float8 + "delta") - 1.0::float8 - "delta") / (1.0::float8 + "delta")) - LN(1.0::float8 + 2.5::float8)) / (LN(1.0::float8 + 50000.0::float8) - LN(1.0::float8 + 2.5::float8)))
          ELSE 1.5::float8
        END
      + CASE /* fx = identity */
          WHEN "flat" IS NULL THEN (-0.25::float8)
          WHEN "flat" <= 3.5::float8 THEN 0.0625::float8
          ELSE 0.0625::float8
        END
      AS "expected_count"
  FROM "inputs"
)
SELECT
  "expected_count",
  CASE
    WHEN "expected_count" <= (-745.1332191019412::float8) THEN 0.0::float8
    WHEN -"expected_count" < (-709.782712893384::float8) THEN 'Infinity'::float8
    ELSE EXP("expected_count")
  END AS "prediction"
FROM "scores";
