-- Tables with awkward names and categories.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: snowflake. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
-- Numbers end in e0 so that the engine computes in doubles, as the model does (it reads 0.5 as an exact DECIMAL).
WITH "inputs" AS (
  SELECT
    CAST("state code" AS VARCHAR) AS "state code",
    CAST("grade" AS VARCHAR) AS "grade",
    CAST("class" AS VARCHAR) AS "class"
  FROM "input"
)
SELECT
    CASE
      WHEN "state code" IS NULL THEN 0.1e0
      WHEN "state code" = 'CA' THEN 0.25e0
      WHEN "state code" = 'NY' THEN 0.3e0
      WHEN "state code" = 'TX' THEN (-0.15e0)
      WHEN "state code" = '' THEN 0.01e0
      ELSE (-0.05e0)
    END
    + CASE
        WHEN "grade" IS NULL THEN NULL
        WHEN "grade" = '1' THEN (-1.0e0)
        WHEN "grade" = '2' THEN (-0.5e0)
        WHEN "grade" = '3' THEN 0.5e0
        WHEN "grade" = 'A+' THEN 1.25e0
        ELSE 0.0e0
      END
    + CASE
        WHEN "class" IS NULL THEN NULL
        WHEN "class" = 'say "hi"' THEN 1.0e0
        WHEN "class" = 'back\\slash' THEN 2.0e0
        WHEN "class" = 'tab\there' THEN 3.0e0
        WHEN "class" = 'ünïcödé ✓' THEN 4.0e0
        ELSE 0.5e0
      END
    AS "score"
FROM "inputs";
