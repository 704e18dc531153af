# strings.sql - quoted strings and identifiers (standard_conforming_strings on).
#### case: semicolon in a string
INSERT INTO t VALUES ('a;b'); SELECT 2;
#### split: 2
@@ 1
INSERT INTO t VALUES ('a;b')
@@ 1
SELECT 2
#### case: doubled quote in a string
INSERT INTO t VALUES ('it''s; fine');
SELECT 2;
#### split: 2
@@ 1
INSERT INTO t VALUES ('it''s; fine')
@@ 2
SELECT 2
#### case: empty string and a lone doubled quote
SELECT '', '''', ''''''; SELECT 2;
#### split: 2
@@ 1
SELECT '', '''', ''''''
@@ 1
SELECT 2
#### case: backslash is not an escape in a plain string
SELECT 'C:\path\'; SELECT 2;
#### split: 2
@@ 1
SELECT 'C:\path\'
@@ 1
SELECT 2
#### case: backslash-quote ends a plain string
SELECT 'a\'; SELECT 'b';
#### split: 2
@@ 1
SELECT 'a\'
@@ 1
SELECT 'b'
#### case: E string with an escaped quote
SELECT E'it\'s; fine'; SELECT 2;
#### split: 2
@@ 1
SELECT E'it\'s; fine'
@@ 1
SELECT 2
#### case: lowercase e string
SELECT e'\''; SELECT 2;
#### split: 2
@@ 1
SELECT e'\''
@@ 1
SELECT 2
#### case: E string of a backslash then a doubled quote
SELECT E'\\''; SELECT 2;';
#### split: 1
@@ 1
SELECT E'\\''; SELECT 2;'
#### case: E string ending in an escaped backslash
SELECT E'\\'; SELECT 2;
#### split: 2
@@ 1
SELECT E'\\'
@@ 1
SELECT 2
#### case: E string with doubled quote and escapes
SELECT E'a''b\n\t\\\'c;'; SELECT 2;
#### split: 2
@@ 1
SELECT E'a''b\n\t\\\'c;'
@@ 1
SELECT 2
#### case: E string with an escaped newline
SELECT E'line\
continues; here'; SELECT 2;
#### split: 2
@@ 1
SELECT E'line\
continues; here'
@@ 2
SELECT 2
#### case: an identifier ending in e before a string is not an E string
SELECT name'\'; SELECT 2;
#### split: 2
@@ 1
SELECT name'\'
@@ 1
SELECT 2
#### case: E after a space is a word, then a plain string
SELECT E '\'; SELECT 2;
#### split: 2
@@ 1
SELECT E '\'
@@ 1
SELECT 2
#### case: bit and hex strings
SELECT B'1010', b'01', X'1F', x'ff'; SELECT 2;
#### split: 2
@@ 1
SELECT B'1010', b'01', X'1F', x'ff'
@@ 1
SELECT 2
#### case: hex string with a backslash is not an escape
SELECT X'\'; SELECT 2;
#### split: 2
@@ 1
SELECT X'\'
@@ 1
SELECT 2
#### case: national string
SELECT N'a;b', n'it''s'; SELECT 2;
#### split: 2
@@ 1
SELECT N'a;b', n'it''s'
@@ 1
SELECT 2
#### case: unicode escape string
SELECT U&'d\0061t\+000061; x', U&'d!0061t' UESCAPE '!'; SELECT 2;
#### split: 2
@@ 1
SELECT U&'d\0061t\+000061; x', U&'d!0061t' UESCAPE '!'
@@ 1
SELECT 2
#### case: unicode string with backslash before the quote
SELECT U&'\'; SELECT 2;
#### split: 2
@@ 1
SELECT U&'\'
@@ 1
SELECT 2
#### case: unicode escape identifier
SELECT U&"d\0061t;a" FROM t; SELECT 2;
#### split: 2
@@ 1
SELECT U&"d\0061t;a" FROM t
@@ 1
SELECT 2
#### case: string continuation across lines
SELECT 'foo;'
'bar;'; SELECT 2;
#### split: 2
@@ 1
SELECT 'foo;'
'bar;'
@@ 2
SELECT 2
#### case: multi-line string keeps the start line of the statement
INSERT INTO docs VALUES ('line one;
line two;
line three');
SELECT 2;
#### split: 2
@@ 1
INSERT INTO docs VALUES ('line one;
line two;
line three')
@@ 4
SELECT 2
#### case: quoted identifier with a semicolon
CREATE TABLE "weird;name" ("a;b" int); SELECT 2;
#### split: 2
@@ 1
CREATE TABLE "weird;name" ("a;b" int)
@@ 1
SELECT 2
#### case: quoted identifier with doubled quote
CREATE TABLE "say ""hi"";" (id int); SELECT 2;
#### split: 2
@@ 1
CREATE TABLE "say ""hi"";" (id int)
@@ 1
SELECT 2
#### case: quoted identifier with a single quote
SELECT 1 AS "it's"; SELECT 2;
#### split: 2
@@ 1
SELECT 1 AS "it's"
@@ 1
SELECT 2
#### case: string with a double quote
SELECT 'say "hi"; ok'; SELECT 2;
#### split: 2
@@ 1
SELECT 'say "hi"; ok'
@@ 1
SELECT 2
#### case: comment markers inside strings
SELECT '-- not a comment;', '/* nor this; */'; SELECT 2;
#### split: 2
@@ 1
SELECT '-- not a comment;', '/* nor this; */'
@@ 1
SELECT 2
#### case: comment markers inside identifiers
SELECT 1 AS "--x;", 2 AS "/*"; SELECT 2;
#### split: 2
@@ 1
SELECT 1 AS "--x;", 2 AS "/*"
@@ 1
SELECT 2
#### case: quotes inside comments
-- don't; "stop'
/* it's a "comment; */
SELECT 1;
#### split: 1
@@ 3
SELECT 1
#### case: dollar signs inside a string
SELECT '$$; $a$'; SELECT 2;
#### split: 2
@@ 1
SELECT '$$; $a$'
@@ 1
SELECT 2
#### case: UTF-8 in strings
INSERT INTO t VALUES ('naïve; café'), ('日本; 語'), ('emoji 🎉;');
SELECT 2;
#### split: 2
@@ 1
INSERT INTO t VALUES ('naïve; café'), ('日本; 語'), ('emoji 🎉;')
@@ 2
SELECT 2
#### case: data inserts with semicolons in many strings
INSERT INTO settings (key, value) VALUES
  ('css', 'a { color: red; } b { color: blue; }'),
  ('sql', 'SELECT 1; SELECT 2;'),
  ('js', 'if (x) { y(); }'),
  ('empty', '');
INSERT INTO settings (key, value) VALUES ('last', ';');
#### split: 2
@@ 1
INSERT INTO settings (key, value) VALUES
  ('css', 'a { color: red; } b { color: blue; }'),
  ('sql', 'SELECT 1; SELECT 2;'),
  ('js', 'if (x) { y(); }'),
  ('empty', '')
@@ 6
INSERT INTO settings (key, value) VALUES ('last', ';')
#### txn: ok
#### case: JSON literal with quotes and semicolons
INSERT INTO docs (body) VALUES ('{"a": "x;y", "b": "it''s"}'::jsonb);
SELECT 2;
#### split: 2
#### case: regular expression literal with backslashes
SELECT 'a;b' ~ '^[a-z]+\;[a-z]\\$'; SELECT 2;
#### split: 2
@@ 1
SELECT 'a;b' ~ '^[a-z]+\;[a-z]\\$'
@@ 1
SELECT 2
#### case: E string inside a function call
SELECT replace(x, E'\'', E'\\'''); SELECT 2;
#### split: 2
@@ 1
SELECT replace(x, E'\'', E'\\''')
@@ 1
SELECT 2
#### case: COMMENT ON with a long string
COMMENT ON TABLE users IS 'People who sign in; see docs/users.md.
Do not COMMIT; anything here.';
COMMENT ON COLUMN users.name IS 'The display name';
#### split: 2
@@ 1
COMMENT ON TABLE users IS 'People who sign in; see docs/users.md.
Do not COMMIT; anything here.'
@@ 3
COMMENT ON COLUMN users.name IS 'The display name'
#### txn: ok
#### case: string right after a word with no space
SELECT 'a'AS x; SELECT 2;
#### split: 2
@@ 1
SELECT 'a'AS x
@@ 1
SELECT 2
