-- Names that are not identifiers in any target language.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: postgres. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
-- Numbers are cast ::float8 so that the engine computes in doubles, as the model does (it reads 0.5 as an exact NUMERIC).
-- A weight written CASE WHEN x <= limit THEN 0 is the weight that rounds to 0 below the limit: the engine would stop there.
WITH "inputs" AS (
  SELECT
    CAST("x""; DROP TABLE t; --" AS DOUBLE PRECISION) AS "x""; DROP TABLE t; --",
    CAST("select" AS DOUBLE PRECISION) AS "select",
    CAST("def" AS DOUBLE PRECISION) AS "def",
    CAST("a b" AS DOUBLE PRECISION) AS "a b",
    CAST("a_b" AS DOUBLE PRECISION) AS "a_b",
    CAST("*/ x /*" AS TEXT) AS "*/ x /*",
    CAST("1st" AS DOUBLE PRECISION) AS "1st",
    CAST("naïve" AS DOUBLE PRECISION) AS "naïve"
  FROM "input"
)
SELECT
    0.0::float8
    + CASE
        WHEN "x""; DROP TABLE t; --" IS NULL THEN NULL
        WHEN "x""; DROP TABLE t; --" <= 0.0::float8 THEN 1.0::float8
        WHEN "x""; DROP TABLE t; --" < 1.0::float8 THEN 1.0::float8 + (2.0::float8 - 1.0::float8) * (("x""; DROP TABLE t; --" - 0.0::float8) / (1.0::float8 - 0.0::float8))
        ELSE 2.0::float8
      END
    + CASE
        WHEN "select" IS NULL THEN NULL
        WHEN "select" <= (-1.0::float8) THEN 0.5::float8
        WHEN "select" < 1.0::float8 THEN 0.5::float8 + ((-0.5::float8) - 0.5::float8) * (("select" - (-1.0::float8)) / (1.0::float8 - (-1.0::float8)))
        ELSE (-0.5::float8)
      END
    + CASE
        WHEN "def" IS NULL THEN 0.0::float8
        WHEN "def" <= 0.0::float8 THEN 0.0::float8
        WHEN "def" < 10.0::float8 THEN 0.0::float8 + (1.0::float8 - 0.0::float8) * (CASE WHEN "def" <= 2.5e-323::float8 THEN 0.0::float8 ELSE ("def" - 0.0::float8) / (10.0::float8 - 0.0::float8) END)
        ELSE 1.0::float8
      END
    + CASE
        WHEN "a b" IS NULL THEN NULL
        WHEN "a b" <= 0.0::float8 THEN 1.0::float8
        WHEN "a b" < 2.0::float8 THEN 1.0::float8 + (3.0::float8 - 1.0::float8) * (CASE WHEN "a b" <= 5e-324::float8 THEN 0.0::float8 ELSE ("a b" - 0.0::float8) / (2.0::float8 - 0.0::float8) END)
        ELSE 3.0::float8
      END
    + CASE
        WHEN "a_b" IS NULL THEN NULL
        WHEN "a_b" <= 0.0::float8 THEN (-1.0::float8)
        WHEN "a_b" < 2.0::float8 THEN (-1.0::float8) + ((-3.0::float8) - (-1.0::float8)) * (CASE WHEN "a_b" <= 5e-324::float8 THEN 0.0::float8 ELSE ("a_b" - 0.0::float8) / (2.0::float8 - 0.0::float8) END)
        ELSE (-3.0::float8)
      END
    + CASE
        WHEN "*/ x /*" IS NULL THEN NULL
        WHEN "*/ x /*" = '''; DROP TABLE t; --' THEN 1.0::float8
        WHEN "*/ x /*" = '--' THEN 2.0::float8
        WHEN "*/ x /*" = '\' THEN 3.0::float8
        ELSE 0.0::float8
      END
    + CASE
        WHEN "1st" IS NULL THEN NULL
        WHEN "1st" <= 0.0::float8 THEN 0.5::float8
        WHEN "1st" < 1.0::float8 THEN 0.5::float8 + (0.25::float8 - 0.5::float8) * (CASE WHEN "1st" <= 1e-323::float8 THEN 0.0::float8 ELSE ("1st" - 0.0::float8) / (1.0::float8 - 0.0::float8) END)
        ELSE 0.25::float8
      END
    + CASE
        WHEN "naïve" IS NULL THEN NULL
        WHEN "naïve" <= 0.0::float8 THEN 0.0::float8
        WHEN "naïve" < 1.0::float8 THEN 0.0::float8 + (1.0::float8 - 0.0::float8) * (("naïve" - 0.0::float8) / (1.0::float8 - 0.0::float8))
        ELSE 1.0::float8
      END
    AS "score"
FROM "inputs";
