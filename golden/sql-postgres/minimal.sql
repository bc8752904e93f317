-- A constant.
--
-- Compiled by pwlc. Edit the numbers freely, then read this file back with
-- `pwlc compile FILE.sql -t pwl` (pwlc parses it; it never runs it).
--
-- Dialect: postgres. Reads table "input": one row per case, one column per input;
-- a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.
SELECT
    0.5
    AS "score"
FROM "input";
