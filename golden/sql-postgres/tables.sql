-- Tables with awkward names and categories.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: postgres. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
WITH "inputs" AS (
  SELECT
    CAST("state code" AS TEXT) AS "state code",
    CAST("grade" AS TEXT) AS "grade",
    CAST("class" AS TEXT) AS "class"
  FROM "input"
)
SELECT
    CASE
      WHEN "state code" IS NULL THEN 0.1
      WHEN "state code" = 'CA' THEN 0.25
      WHEN "state code" = 'NY' THEN 0.3
      WHEN "state code" = 'TX' THEN (-0.15)
      WHEN "state code" = '' THEN 0.01
      ELSE (-0.05)
    END
    + CASE
        WHEN "grade" IS NULL THEN NULL
        WHEN "grade" = '1' THEN (-1.0)
        WHEN "grade" = '2' THEN (-0.5)
        WHEN "grade" = '3' THEN 0.5
        WHEN "grade" = 'A+' THEN 1.25
        ELSE 0.0
      END
    + CASE
        WHEN "class" IS NULL THEN NULL
        WHEN "class" = 'say "hi"' THEN 1.0
        WHEN "class" = 'back\slash' THEN 2.0
        WHEN "class" = 'tab	here' THEN 3.0
        WHEN "class" = 'ünïcödé ✓' THEN 4.0
        ELSE 0.5
      END
    AS "score"
FROM "inputs";
