-- Poisson-style model exercising fx = log, log1p, symlog1p.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: duckdb. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
-- Numbers end in e0 so that the engine computes in doubles, as the model does (it reads 0.5 as an exact DECIMAL).
-- expected_count is the log of the prediction; prediction applies the link.
WITH "inputs" AS (
  SELECT
    CAST("dose" AS DOUBLE) AS "dose",
    CAST("balance" AS DOUBLE) AS "balance",
    CAST("delta" AS DOUBLE) AS "delta",
    CAST("flat" AS DOUBLE) AS "flat",
    CAST("unused" AS DOUBLE) AS "unused"
  FROM "input"
), "scores" AS (
  SELECT
      0.125e0
      + CASE
          WHEN "dose" IS NULL THEN NULL
          WHEN "dose" <= 0.001e0 THEN (-2.5e0)
          WHEN "dose" < 0.5e0 THEN (-2.5e0) + (0.0e0 - (-2.5e0)) * ((LN("dose") - LN(0.001e0)) / (LN(0.5e0) - LN(0.001e0)))
          WHEN "dose" < 10.0e0 THEN 0.0e0 + (1.25e0 - 0.0e0) * ((LN("dose") - LN(0.5e0)) / (LN(10.0e0) - LN(0.5e0)))
          WHEN "dose" < 1000.0e0 THEN 1.25e0 + (2.0e0 - 1.25e0) * ((LN("dose") - LN(10.0e0)) / (LN(1000.0e0) - LN(10.0e0)))
          ELSE 2.0e0
        END
      + CASE
          WHEN "balance" IS NULL THEN 0.0e0
          WHEN "balance" <= (-0.5e0) THEN 1.0e0
          WHEN "balance" < 0.0e0 THEN 1.0e0 + (0.0e0 - 1.0e0) * (((LN(1.0e0 + "balance") - ((1.0e0 + "balance") - 1.0e0 - "balance") / (1.0e0 + "balance")) - LN(1.0e0 + (-0.5e0))) / (LN(1.0e0 + 0.0e0) - LN(1.0e0 + (-0.5e0))))
          WHEN "balance" < 99.0e0 THEN 0.0e0 + ((-1.0e0) - 0.0e0) * (((LN(1.0e0 + "balance") - ((1.0e0 + "balance") - 1.0e0 - "balance") / (1.0e0 + "balance")) - LN(1.0e0 + 0.0e0)) / (LN(1.0e0 + 99.0e0) - LN(1.0e0 + 0.0e0)))
          WHEN "balance" < 1000000.0e0 THEN (-1.0e0) + ((-3.5e0) - (-1.0e0)) * (((LN(1.0e0 + "balance") - ((1.0e0 + "balance") - 1.0e0 - "balance") / (1.0e0 + "balance")) - LN(1.0e0 + 99.0e0)) / (LN(1.0e0 + 1000000.0e0) - LN(1.0e0 + 99.0e0)))
          ELSE (-3.5e0)
        END
      + CASE
          WHEN "delta" IS NULL THEN NULL
          WHEN "delta" <= (-1000.0e0) THEN (-2.0e0)
          WHEN "delta" < (-1.0e0) THEN (-2.0e0) + ((-0.5e0) - (-2.0e0)) * (((-(LN(1.0e0 + (-"delta")) - ((1.0e0 + (-"delta")) - 1.0e0 - (-"delta")) / (1.0e0 + (-"delta")))) - (-LN(1.0e0 + 1000.0e0))) / ((-LN(1.0e0 + 1.0e0)) - (-LN(1.0e0 + 1000.0e0))))
          WHEN "delta" < 0.0e0 THEN (-0.5e0) + (0.0e0 - (-0.5e0)) * (((-(LN(1.0e0 + (-"delta")) - ((1.0e0 + (-"delta")) - 1.0e0 - (-"delta")) / (1.0e0 + (-"delta")))) - (-LN(1.0e0 + 1.0e0))) / (LN(1.0e0 + 0.0e0) - (-LN(1.0e0 + 1.0e0))))
          WHEN "delta" < 2.5e0 THEN 0.0e0 + (0.75e0 - 0.0e0) * (((LN(1.0e0 + "delta") - ((1.0e0 + "delta") - 1.0e0 - "delta") / (1.0e0 + "delta")) - LN(1.0e0 + 0.0e0)) / (LN(1.0e0 + 2.5e0) - LN(1.0e0 + 0.0e0)))
          WHEN "delta" < 50000.0e0 THEN 0.75e0 + (1.5e0 - 0.75e0) * (((LN(1.0e0 + "delta") - ((1.0e0 + "delta") - 1.0e0 - "delta") / (1.0e0 + "delta")) - LN(1.0e0 + 2.5e0)) / (LN(1.0e0 + 50000.0e0) - LN(1.0e0 + 2.5e0)))
          ELSE 1.5e0
        END
      + CASE /* fx = identity */
          WHEN "flat" IS NULL THEN (-0.25e0)
          WHEN "flat" <= 3.5e0 THEN 0.0625e0
          ELSE 0.0625e0
        END
      AS "expected_count"
  FROM "inputs"
)
SELECT
  "expected_count",
  CASE
    WHEN "expected_count" <= (-745.1332191019412e0) THEN 0.0e0
    ELSE EXP("expected_count")
  END AS "prediction"
FROM "scores";
