# basics.sql - statement boundaries, whitespace, comments, empty pieces.
# Format: see tests/unit/test_sqllex.c. Lines before the first case are ignored.
#### case: one statement
SELECT 1;
#### split: 1
@@ 1
SELECT 1
#### txn: ok
#### case: two statements on two lines
CREATE TABLE a (id int);
CREATE TABLE b (id int);
#### split: 2
@@ 1
CREATE TABLE a (id int)
@@ 2
CREATE TABLE b (id int)
#### txn: ok
#### case: two statements on one line
SELECT 1; SELECT 2;
#### split: 2
@@ 1
SELECT 1
@@ 1
SELECT 2
#### case: no trailing semicolon
CREATE TABLE a (id int);
CREATE TABLE b (id int)
#### split: 2
@@ 1
CREATE TABLE a (id int)
@@ 2
CREATE TABLE b (id int)
#### case: empty statements are skipped
;;
SELECT 1;;;
;
SELECT 2
;;
#### split: 2
@@ 2
SELECT 1
@@ 4
SELECT 2
#### case: a file of only comments
-- migc:no-transaction
-- nothing to do here; really
/* not even
   this; */
#### split: 0
#### txn: ok
#### case: a file of only blank lines and semicolons
  

 ;
	;
#### split: 0
#### case: leading comment lines are not part of the statement
-- Create the users table.
-- It has an id; and a name.
CREATE TABLE users (
    id bigint PRIMARY KEY,
    name text NOT NULL
);
#### split: 1
@@ 3
CREATE TABLE users (
    id bigint PRIMARY KEY,
    name text NOT NULL
)
#### case: leading block comment is not part of the statement
/* header; with a semicolon */ SELECT 1;
#### split: 1
@@ 1
SELECT 1
#### case: comments inside a statement are kept
SELECT 1 -- one;
  + 2 /* two; */
  + 3;
#### split: 1
@@ 1
SELECT 1 -- one;
  + 2 /* two; */
  + 3
#### case: trailing comment before the semicolon is not part of it
SELECT 1 -- done
;
SELECT 2 /* done */ ;
#### split: 2
@@ 1
SELECT 1
@@ 3
SELECT 2
#### case: semicolon in a line comment does not split
SELECT 1 -- ; SELECT 2;
;
#### split: 1
@@ 1
SELECT 1
#### case: line comment ends at the newline
SELECT 1; -- a comment
SELECT 2; -- another; one
#### split: 2
@@ 1
SELECT 1
@@ 2
SELECT 2
#### case: block comment with semicolons
/* ; ; ; */ SELECT /* ; */ 1 /* ; */;
#### split: 1
@@ 1
SELECT /* ; */ 1
#### case: block comments nest
/* outer /* inner; */ still a comment; */
SELECT 1;
#### split: 1
@@ 2
SELECT 1
#### case: deeply nested block comments
/* 1 /* 2 /* 3 /* 4 */ 3 */ 2 */ 1; */ SELECT 1; /* a */
#### split: 1
@@ 1
SELECT 1
#### case: block comment opener inside a line comment is ignored
-- /* not a block comment
SELECT 1;
#### split: 1
@@ 2
SELECT 1
#### case: line comment inside a block comment is ignored
/* -- */ SELECT 1;
#### split: 1
@@ 1
SELECT 1
#### case: star-slash and slash-star runs
/***/ SELECT 1; /**** x ****/ /*/ still comment */ SELECT 2;
#### split: 2
@@ 1
SELECT 1
@@ 1
SELECT 2
#### case: comment start right after an operator
SELECT 2*/*c;*/3;
#### split: 1
@@ 1
SELECT 2*/*c;*/3
#### case: double dash right after a number
SELECT 1--2; not code
;
#### split: 1
@@ 1
SELECT 1
#### case: division and minus are not comments
SELECT 4 / 2 - 1;
SELECT 4/2-1;
#### split: 2
@@ 1
SELECT 4 / 2 - 1
@@ 2
SELECT 4/2-1
#### case: statement start line is its first token
  

    SELECT
      1;


  SELECT 2;
#### split: 2
@@ 3
SELECT
      1
@@ 7
SELECT 2
#### case: tabs are whitespace
	SELECT	1	;	SELECT	2	;
#### split: 2
@@ 1
SELECT	1
@@ 1
SELECT	2
#### case: many statements
CREATE TABLE a (id int);
CREATE TABLE b (id int);
CREATE TABLE c (id int);
CREATE INDEX ON a (id);
CREATE INDEX ON b (id);
CREATE INDEX ON c (id);
INSERT INTO a VALUES (1), (2);
UPDATE a SET id = id + 1;
DELETE FROM a WHERE id > 2;
DROP TABLE c;
#### split: 10
#### txn: ok
#### case: parentheses keep semicolons
SELECT (1; 2);
SELECT 3;
#### split: 2
@@ 1
SELECT (1; 2)
@@ 2
SELECT 3
#### case: a closing parenthesis too many does not go negative
SELECT 1);
SELECT 2;
#### split: 2
@@ 1
SELECT 1)
@@ 2
SELECT 2
#### case: unbalanced open parenthesis runs to the end
SELECT (1;
SELECT 2;
#### split: 1
@@ 1
SELECT (1;
SELECT 2;
#### case: brackets do not count as parentheses
SELECT a[1:2] FROM t; SELECT ARRAY[1, 2];
#### split: 2
@@ 1
SELECT a[1:2] FROM t
@@ 1
SELECT ARRAY[1, 2]
#### case: casts and operators
SELECT '1'::int, 1 <> 2, 3 != 4, 'a' || 'b', x->>'k', x #> '{a}', 1 @> 2;
#### split: 1
#### txn: ok
#### case: psql meta-command is lexed as SQL, not executed
\set ON_ERROR_STOP on
SELECT 1;
#### split: 1
@@ 1
\set ON_ERROR_STOP on
SELECT 1
#### case: numbers
SELECT 1, 1.5, .5, 1e10, 1.5E-3, 2e+4, 0x1F, 1_000_000;
#### split: 1
@@ 1
SELECT 1, 1.5, .5, 1e10, 1.5E-3, 2e+4, 0x1F, 1_000_000
#### case: number then comment
SELECT 1e-3--comment;
;
#### split: 1
@@ 1
SELECT 1e-3
#### case: parameters are not dollar quotes
PREPARE q (int, text) AS SELECT $1, $2 WHERE $1 > 0;
EXECUTE q (1, 'a');
#### split: 2
@@ 1
PREPARE q (int, text) AS SELECT $1, $2 WHERE $1 > 0
@@ 2
EXECUTE q (1, 'a')
#### txn: ok
#### case: dollar in an identifier does not start a quote
SELECT a$b, c$$, d$$e FROM t$1;
SELECT 2;
#### split: 2
@@ 1
SELECT a$b, c$$, d$$e FROM t$1
@@ 2
SELECT 2
#### case: lone dollar sign
SELECT $ ; SELECT 2;
#### split: 2
@@ 1
SELECT $
@@ 1
SELECT 2
#### case: UTF-8 identifiers
CREATE TABLE café (naïve text, "größe" int, 名前 text);
INSERT INTO café VALUES ('ü', 1, '日本語');
#### split: 2
@@ 1
CREATE TABLE café (naïve text, "größe" int, 名前 text)
@@ 2
INSERT INTO café VALUES ('ü', 1, '日本語')
#### case: non-breaking space is an identifier byte, as in PostgreSQL
SELECT a b;
#### split: 1
@@ 1
SELECT a b
#### case: uppercase and mixed-case keywords
Create Table T (Id Int);
#### split: 1
#### txn: ok
#### case: windows line endings
SELECT 1;
SELECT
  2;
#### split: 2
@@ 1
SELECT 1
@@ 2
SELECT
  2
