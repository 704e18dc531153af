# errors.sql - unterminated constructs, reported on the line where they begin.
#### case: unterminated string
SELECT 'abc;
#### error: 1 quoted string
#### case: unterminated string on a later line
SELECT 1;
SELECT 2;

INSERT INTO t VALUES ('never closed);
SELECT 3;
#### error: 4 quoted string
#### case: backslash-quote in an E string leaves it open
SELECT 1;
SELECT E'it\'s;
#### error: 2 quoted string
#### case: E string with a trailing escaped quote
SELECT E'abc\';
#### error: 1 quoted string
#### case: plain string with an odd quote count
SELECT 'it's';
#### error: 1 quoted string
#### case: unterminated quoted identifier
SELECT 1;
CREATE TABLE "users (id int);
#### error: 2 quoted identifier
#### case: unterminated doubled quote in an identifier
SELECT 1 AS "a"";
#### error: 1 quoted identifier
#### case: unterminated dollar quote
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$
  SELECT 1;
#### error: 1 dollar-quoted string $$
#### case: unterminated tagged dollar quote
SELECT 1;
DO $body$
BEGIN
  NULL;
END
$bodY$;
#### error: 2 dollar-quoted string $body$
#### case: dollar quote closed with another tag
SELECT $a$ x $b$;
#### error: 1 dollar-quoted string $a$
#### case: glued AS$$ leaves the closing $$ open, as in PostgreSQL
CREATE FUNCTION f() RETURNS int AS$$ SELECT 1 $$ LANGUAGE sql;
#### error: 1 dollar-quoted string $$
#### case: unterminated block comment
SELECT 1;
/* this comment
   never ends;
SELECT 2;
#### error: 2 /* comment
#### case: nested block comment closed only once
SELECT 1;
/* outer
/* inner */
SELECT 2;
#### error: 2 /* comment
#### case: block comment inside a statement
SELECT 1 /* oops ;
#### error: 1 /* comment
#### case: unterminated string inside parentheses
INSERT INTO t VALUES (1,
  'two,
  3);
#### error: 2 quoted string
#### case: unterminated string inside a BEGIN ATOMIC body
CREATE FUNCTION f() RETURNS text LANGUAGE sql
BEGIN ATOMIC
  SELECT 'x;
END;
#### error: 3 quoted string
#### case: unterminated string after a multi-line dollar body
DO $$
BEGIN
  NULL;
END $$;
SELECT 'x;
#### error: 5 quoted string
#### case: quote in a comment-looking string
SELECT '-- it''s' || '
#### error: 1 quoted string
#### case: the first unterminated construct is reported
SELECT "a;
SELECT 'b;
#### error: 1 quoted identifier
