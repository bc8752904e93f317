-- Poisson-style model exercising fx = log, log1p, symlog1p.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: sqlite. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
-- expected_count is the log of the prediction; prediction applies the link.
WITH "inputs" AS (
  SELECT
    CAST("dose" AS REAL) AS "dose",
    CAST("balance" AS REAL) AS "balance",
    CAST("delta" AS REAL) AS "delta",
    CAST("flat" AS REAL) AS "flat",
    CAST("unused" AS REAL) AS "unused"
  FROM "input"
), "scores" AS (
  SELECT
      0.125
      + CASE
          WHEN "dose" IS NULL THEN NULL
          WHEN "dose" <= 0.001 THEN (-2.5)
          WHEN "dose" < 0.5 THEN (-2.5) + (0.0 - (-2.5)) * ((LN("dose") - LN(0.001)) / (LN(0.5) - LN(0.001)))
          WHEN "dose" < 10.0 THEN 0.0 + (1.25 - 0.0) * ((LN("dose") - LN(0.5)) / (LN(10.0) - LN(0.5)))
          WHEN "dose" < 1000.0 THEN 1.25 + (2.0 - 1.25) * ((LN("dose") - LN(10.0)) / (LN(1000.0) - LN(10.0)))
          ELSE 2.0
        END
      + CASE
          WHEN "balance" IS NULL THEN 0.0
          WHEN "balance" <= (-0.5) THEN 1.0
          WHEN "balance" < 0.0 THEN 1.0 + (0.0 - 1.0) * (((LN(1.0 + "balance") - ((1.0 + "balance") - 1.0 - "balance") / (1.0 + "balance")) - LN(1.0 + (-0.5))) / (LN(1.0 + 0.0) - LN(1.0 + (-0.5))))
          WHEN "balance" < 99.0 THEN 0.0 + ((-1.0) - 0.0) * (((LN(1.0 + "balance") - ((1.0 + "balance") - 1.0 - "balance") / (1.0 + "balance")) - LN(1.0 + 0.0)) / (LN(1.0 + 99.0) - LN(1.0 + 0.0)))
          WHEN "balance" < 1000000.0 THEN (-1.0) + ((-3.5) - (-1.0)) * (((LN(1.0 + "balance") - ((1.0 + "balance") - 1.0 - "balance") / (1.0 + "balance")) - LN(1.0 + 99.0)) / (LN(1.0 + 1000000.0) - LN(1.0 + 99.0)))
          ELSE (-3.5)
        END
      + CASE
          WHEN "delta" IS NULL THEN NULL
          WHEN "delta" <= (-1000.0) THEN (-2.0)
          WHEN "delta" < (-1.0) THEN (-2.0) + ((-0.5) - (-2.0)) * (((-(LN(1.0 + (-"delta")) - ((1.0 + (-"delta")) - 1.0 - (-"delta")) / (1.0 + (-"delta")))) - (-LN(1.0 + 1000.0))) / ((-LN(1.0 + 1.0)) - (-LN(1.0 + 1000.0))))
          WHEN "delta" < 0.0 THEN (-0.5) + (0.0 - (-0.5)) * (((-(LN(1.0 + (-"delta")) - ((1.0 + (-"delta")) - 1.0 - (-"delta")) / (1.0 + (-"delta")))) - (-LN(1.0 + 1.0))) / (LN(1.0 + 0.0) - (-LN(1.0 + 1.0))))
          WHEN "delta" < 2.5 THEN 0.0 + (0.75 - 0.0) * (((LN(1.0 + "delta") - ((1.0 + "delta") - 1.0 - "delta") / (1.0 + "delta")) - LN(1.0 + 0.0)) / (LN(1.0 + 2.5) - LN(1.0 + 0.0)))
          WHEN "delta" < 50000.0 THEN 0.75 + (1.5 - 0.75) * (((LN(1.0 + "delta") - ((1.0 + "delta") - 1.0 - "delta") / (1.0 + "delta")) - LN(1.0 + 2.5)) / (LN(1.0 + 50000.0) - LN(1.0 + 2.5)))
          ELSE 1.5
        END
      + CASE /* fx = identity */
          WHEN "flat" IS NULL THEN (-0.25)
          WHEN "flat" <= 3.5 THEN 0.0625
          ELSE 0.0625
        END
      AS "expected_count"
  FROM "inputs"
)
SELECT
  "expected_count",
  CASE
    WHEN "expected_count" <= (-745.1332191019412) THEN 0.0
    ELSE EXP("expected_count")
  END AS "prediction"
FROM "scores";
