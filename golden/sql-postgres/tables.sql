-- Tables with awkward names and categories.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: postgres. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
-- Numbers are cast ::float8 so that the engine computes in doubles, as the model does (it reads 0.5 as an exact NUMERIC).
WITH "inputs" AS (
  SELECT
    CAST("state code" AS TEXT) AS "state code",
    CAST("grade" AS TEXT) AS "grade",
    CAST("class" AS TEXT) AS "class"
  FROM "input"
)
SELECT
    CASE
      WHEN "state code" IS NULL THEN 0.1::float8
      WHEN "state code" = 'CA' THEN 0.25::float8
      WHEN "state code" = 'NY' THEN 0.3::float8
      WHEN "state code" = 'TX' THEN (-0.15::float8)
      WHEN "state code" = '' THEN 0.01::float8
      ELSE (-0.05::float8)
    END
    + CASE
        WHEN "grade" IS NULL THEN NULL
        WHEN "grade" = '1' THEN (-1.0::float8)
        WHEN "grade" = '2' THEN (-0.5::float8)
        WHEN "grade" = '3' THEN 0.5::float8
        WHEN "grade" = 'A+' THEN 1.25::float8
        ELSE 0.0::float8
      END
    + CASE
        WHEN "class" IS NULL THEN NULL
        WHEN "class" = 'say "hi"' THEN 1.0::float8
        WHEN "class" = 'back\slash' THEN 2.0::float8
        WHEN "class" = 'tab	here' THEN 3.0::float8
        WHEN "class" = 'ünïcödé ✓' THEN 4.0::float8
        ELSE 0.5::float8
      END
    AS "score"
FROM "inputs";
