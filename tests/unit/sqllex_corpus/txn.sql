# txn.sql - top-level transaction control in a transactional migration.
#### case: BEGIN and COMMIT around the file
BEGIN;
CREATE TABLE a (id int);
COMMIT;
#### txn: 1 BEGIN
#### case: only a COMMIT at the end
CREATE TABLE a (id int);
CREATE INDEX a_id ON a (id);
COMMIT;
#### txn: 3 COMMIT
#### case: BEGIN after a leading comment block
-- migc:phase post
-- add the index

BEGIN;
CREATE INDEX ON a (id);
END;
#### txn: 4 BEGIN
#### case: END as a commit
CREATE TABLE a (id int);
END;
#### txn: 2 END
#### case: START TRANSACTION with options
START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ WRITE;
SELECT 1;
#### txn: 1 START TRANSACTION
#### case: BEGIN WORK
BEGIN WORK;
#### txn: 1 BEGIN
#### case: SQLite BEGIN IMMEDIATE
BEGIN IMMEDIATE TRANSACTION;
CREATE TABLE a (id INTEGER);
COMMIT;
#### txn: 1 BEGIN
#### case: ROLLBACK in the middle
INSERT INTO a VALUES (1);
ROLLBACK;
INSERT INTO a VALUES (2);
#### txn: 2 ROLLBACK
#### case: ABORT
ABORT;
#### txn: 1 ABORT
#### case: SAVEPOINT is transaction control too
CREATE TABLE a (id int);
SAVEPOINT before_data;
INSERT INTO a VALUES (1);
RELEASE SAVEPOINT before_data;
#### txn: 2 SAVEPOINT
#### case: ROLLBACK TO SAVEPOINT
CREATE TABLE a (id int);
ROLLBACK TO SAVEPOINT sp;
#### txn: 2 ROLLBACK TO SAVEPOINT
#### case: RELEASE without SAVEPOINT
CREATE TABLE a (id int);
RELEASE sp;
#### txn: 2 RELEASE SAVEPOINT
#### case: two-phase commit
PREPARE TRANSACTION 'migration-1';
#### txn: 1 PREPARE TRANSACTION
#### case: COMMIT PREPARED
COMMIT PREPARED 'migration-1';
#### txn: 1 COMMIT PREPARED
#### case: ROLLBACK PREPARED
SELECT 1;

ROLLBACK PREPARED 'x';
#### txn: 3 ROLLBACK PREPARED
#### case: a prepared statement named transaction is not two-phase commit
PREPARE transaction AS SELECT 1;
EXECUTE transaction;
#### txn: ok
#### case: PREPARE of a statement is not transaction control
PREPARE q AS SELECT 1;
#### txn: ok
#### case: the first one is reported
SELECT 1;
COMMIT;
BEGIN;
#### txn: 2 COMMIT
#### case: lowercase commit with no semicolon at the end
create table a (id int);
commit
#### txn: 2 COMMIT
#### case: COMMIT after a block comment on the same line
SELECT 1; /* done */ COMMIT;
#### txn: 1 COMMIT
#### case: COMMIT on the line after a comment inside the statement
SELECT 1;
/* a
   comment */
COMMIT;
#### txn: 4 COMMIT
#### case: COMMIT after a multi-line string
INSERT INTO t VALUES ('a
b
c');
COMMIT;
#### txn: 4 COMMIT
#### case: COMMIT after a dollar-quoted function
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN 1;
END
$$;
COMMIT;
#### txn: 6 COMMIT
#### case: COMMIT after a BEGIN ATOMIC function
CREATE FUNCTION f() RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT 1;
END;
COMMIT;
#### txn: 5 COMMIT
#### case: COMMIT right after the semicolon, CRLF-free
SELECT 1;COMMIT;
#### txn: 1 COMMIT
#### case: words inside a string
INSERT INTO log VALUES ('BEGIN'), ('COMMIT;'), ('ROLLBACK; END;');
#### txn: ok
#### case: words in comments
-- BEGIN;
/* COMMIT; */
-- ROLLBACK;
SELECT 1;
#### txn: ok
#### case: words as quoted identifiers
CREATE TABLE "commit" ("begin" int, "end" int);
SELECT "begin", "end" FROM "commit";
#### txn: ok
#### case: words as unquoted column names later in a statement
CREATE TABLE events (id int, begin timestamptz, abort boolean);
UPDATE events SET abort = true WHERE begin < now();
#### txn: ok
#### case: COMMIT in a plpgsql body
CREATE PROCEDURE p() LANGUAGE plpgsql AS $$
BEGIN
  COMMIT;
  ROLLBACK;
END $$;
#### txn: ok
#### case: BEGIN ... END blocks in a DO body
DO $$
BEGIN
  BEGIN
    PERFORM 1;
  EXCEPTION WHEN OTHERS THEN
    NULL;
  END;
END
$$;
#### txn: ok
#### case: SET TRANSACTION is allowed
SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;
SET LOCAL lock_timeout = '5s';
#### txn: ok
#### case: LOCK TABLE is allowed
LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE;
#### txn: ok
#### case: a START that is not START TRANSACTION
SELECT start FROM t;
#### txn: ok
#### case: CASE END is not a top-level END
SELECT CASE WHEN 1 = 1 THEN 'a' ELSE 'b'
END;
#### txn: ok
#### case: END of a SQLite trigger body
CREATE TRIGGER t AFTER INSERT ON a BEGIN
  UPDATE b SET n = n + 1;
END;
#### txn: ok
#### case: BEGIN in a CREATE RULE action list
CREATE RULE r AS ON UPDATE TO t DO INSTEAD (SELECT 1; SELECT 2);
#### txn: ok
#### case: a lexing error before transaction control is reported
SELECT 'oops;
COMMIT;
#### error: 1 quoted string
#### case: transaction control before a lexing error is reported (file order)
COMMIT;
SELECT 'oops;
#### txn: 1 COMMIT
#### case: transaction control in a file full of other statements
CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL);
CREATE UNIQUE INDEX users_email ON users (lower(email));
INSERT INTO users (email) VALUES ('a@example.com'), ('b@example.com');
ALTER TABLE users ADD COLUMN name text;
UPDATE users SET name = split_part(email, '@', 1);
COMMIT;
ALTER TABLE users ALTER COLUMN name SET NOT NULL;
#### txn: 6 COMMIT
