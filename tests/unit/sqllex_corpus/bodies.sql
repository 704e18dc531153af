# bodies.sql - BEGIN ATOMIC bodies, SQLite trigger bodies, CREATE RULE and
# other parentheses: semicolons that do not end the statement.
#### case: SQL-standard function body
CREATE FUNCTION add(a integer, b integer) RETURNS integer
    LANGUAGE SQL
    IMMUTABLE
    BEGIN ATOMIC
        SELECT a + b;
    END;
SELECT add(1, 2);
#### split: 2
@@ 1
CREATE FUNCTION add(a integer, b integer) RETURNS integer
    LANGUAGE SQL
    IMMUTABLE
    BEGIN ATOMIC
        SELECT a + b;
    END
@@ 7
SELECT add(1, 2)
#### txn: ok
#### case: BEGIN ATOMIC with several statements
CREATE PROCEDURE insert_two(a int, b int)
LANGUAGE SQL
BEGIN ATOMIC
  INSERT INTO t VALUES (a);
  INSERT INTO t VALUES (b);
END;
CALL insert_two(1, 2);
#### split: 2
@@ 1
CREATE PROCEDURE insert_two(a int, b int)
LANGUAGE SQL
BEGIN ATOMIC
  INSERT INTO t VALUES (a);
  INSERT INTO t VALUES (b);
END
@@ 7
CALL insert_two(1, 2)
#### txn: ok
#### case: CREATE OR REPLACE FUNCTION with BEGIN ATOMIC and CASE
CREATE OR REPLACE FUNCTION sign_of(x int) RETURNS text
LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN x > 0 THEN 'pos' WHEN x < 0 THEN 'neg' ELSE 'zero' END;
END;
SELECT sign_of(1);
#### split: 2
@@ 1
CREATE OR REPLACE FUNCTION sign_of(x int) RETURNS text
LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN x > 0 THEN 'pos' WHEN x < 0 THEN 'neg' ELSE 'zero' END;
END
@@ 6
SELECT sign_of(1)
#### txn: ok
#### case: nested CASE inside BEGIN ATOMIC
CREATE FUNCTION f(x int, y int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN x > 0 THEN CASE WHEN y > 0 THEN 1 ELSE 2 END ELSE 3 END;
  SELECT CASE x WHEN 1 THEN 1 END;
END;
SELECT 2;
#### split: 2
@@ #2 6
SELECT 2
#### case: CASE in parentheses inside BEGIN ATOMIC
CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT (CASE WHEN x > 0 THEN 1 END) + (CASE x WHEN 2 THEN 2 ELSE 0 END);
END;
SELECT 2;
#### split: 2
@@ #2 5
SELECT 2
#### case: lowercase begin atomic
create function f() returns int language sql begin atomic select 1; select 2; end;
select 3;
#### split: 2
@@ 1
create function f() returns int language sql begin atomic select 1; select 2; end
@@ 2
select 3
#### case: BEGIN and ATOMIC split by a comment and newlines
CREATE FUNCTION f() RETURNS int LANGUAGE sql
BEGIN -- the body
/* is */ ATOMIC
  SELECT 1;
END;
SELECT 2;
#### split: 2
@@ #2 6
SELECT 2
#### case: empty BEGIN ATOMIC body
CREATE PROCEDURE noop() LANGUAGE sql BEGIN ATOMIC END;
SELECT 2;
#### split: 2
@@ 1
CREATE PROCEDURE noop() LANGUAGE sql BEGIN ATOMIC END
@@ 2
SELECT 2
#### case: a column named end after a dot or AS is not the END
CREATE FUNCTION f() RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT r.end AS end FROM ranges r;
  SELECT 1;
END;
SELECT 2;
#### split: 2
@@ #2 6
SELECT 2
#### case: a function named begin has no body
CREATE FUNCTION begin() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
SELECT 2;
#### split: 2
@@ 1
CREATE FUNCTION begin() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$
@@ 2
SELECT 2
#### txn: ok
#### case: a parameter named begin has no body
CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql RETURN begin;
SELECT 2;
#### split: 2
@@ 1
CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql RETURN begin
@@ 2
SELECT 2
#### case: BEGIN outside CREATE FUNCTION does not open a body
SELECT 1 AS begin; SELECT 2;
#### split: 2
@@ 1
SELECT 1 AS begin
@@ 1
SELECT 2
#### case: CREATE TABLE with a column named atomic
CREATE TABLE t (begin int, atomic int); SELECT 2;
#### split: 2
@@ 1
CREATE TABLE t (begin int, atomic int)
@@ 1
SELECT 2
#### case: BEGIN ATOMIC in a quoted body is just text
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ BEGIN ATOMIC $$;
SELECT 2;
#### split: 2
@@ 1
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ BEGIN ATOMIC $$
@@ 2
SELECT 2
#### case: CASE outside a body is not counted
SELECT CASE WHEN true THEN 1 END; SELECT 2;
#### split: 2
@@ 1
SELECT CASE WHEN true THEN 1 END
@@ 1
SELECT 2
#### txn: ok
#### case: END of CASE at the start of a line is not top-level END
SELECT CASE
    WHEN x THEN 1
END
FROM t;
#### split: 1
#### txn: ok
#### case: CREATE RULE with a parenthesised action list
CREATE RULE log_insert AS ON INSERT TO orders DO ALSO (
    INSERT INTO audit VALUES ('insert', NEW.id);
    UPDATE counters SET n = n + 1 WHERE name = 'orders';
);
SELECT 2;
#### split: 2
@@ 1
CREATE RULE log_insert AS ON INSERT TO orders DO ALSO (
    INSERT INTO audit VALUES ('insert', NEW.id);
    UPDATE counters SET n = n + 1 WHERE name = 'orders';
)
@@ 5
SELECT 2
#### txn: ok
#### case: CREATE RULE DO INSTEAD NOTHING
CREATE RULE no_delete AS ON DELETE TO orders DO INSTEAD NOTHING;
SELECT 2;
#### split: 2
#### case: nested parentheses
SELECT ((1; (2)); 3); SELECT 4;
#### split: 2
@@ 1
SELECT ((1; (2)); 3)
@@ 1
SELECT 4
#### case: parentheses inside strings do not count
SELECT '(' ; SELECT ')'; SELECT "(";
#### split: 3
@@ 1
SELECT '('
@@ 1
SELECT ')'
@@ 1
SELECT "("
#### case: parentheses inside comments do not count
SELECT 1 /* ( */; SELECT 2 -- (
;
#### split: 2
@@ 1
SELECT 1
@@ 1
SELECT 2
#### case: SQLite trigger body
CREATE TRIGGER orders_audit AFTER INSERT ON orders
BEGIN
    INSERT INTO audit (what, id) VALUES ('insert', new.id);
    UPDATE counters SET n = n + 1 WHERE name = 'orders';
END;
SELECT 2;
#### split: 2
@@ 1
CREATE TRIGGER orders_audit AFTER INSERT ON orders
BEGIN
    INSERT INTO audit (what, id) VALUES ('insert', new.id);
    UPDATE counters SET n = n + 1 WHERE name = 'orders';
END
@@ 6
SELECT 2
#### txn: ok
#### case: SQLite temporary trigger with WHEN and FOR EACH ROW
CREATE TEMP TRIGGER IF NOT EXISTS t_upd BEFORE UPDATE OF price ON items
FOR EACH ROW WHEN new.price < 0
BEGIN
    SELECT RAISE(ABORT, 'negative price; refused');
END;
SELECT 2;
#### split: 2
@@ #2 6
SELECT 2
#### txn: ok
#### case: SQLite trigger body with CASE ... END
CREATE TRIGGER t AFTER UPDATE ON items BEGIN
    UPDATE stats SET n = CASE WHEN new.qty > 0 THEN n + 1 ELSE n END;
    DELETE FROM log WHERE id = old.id;
END;
SELECT 2;
#### split: 2
@@ #2 5
SELECT 2
#### txn: ok
#### case: PostgreSQL trigger calling a function named begin
CREATE TRIGGER t BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION begin();
SELECT 2;
#### split: 2
@@ 1
CREATE TRIGGER t BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION begin()
@@ 2
SELECT 2
#### case: trigger named begin
CREATE TRIGGER begin BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION f();
SELECT 2;
#### split: 2
#### case: trigger on a table named begin
CREATE TRIGGER t BEFORE INSERT ON begin FOR EACH ROW EXECUTE PROCEDURE f();
SELECT 2;
#### split: 2
#### case: constraint trigger
CREATE CONSTRAINT TRIGGER check_it AFTER INSERT ON t DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION check_it();
SELECT 2;
#### split: 2
#### case: CREATE OR REPLACE TRIGGER
CREATE OR REPLACE TRIGGER t AFTER DELETE ON items FOR EACH STATEMENT EXECUTE FUNCTION f();
SELECT 2;
#### split: 2
#### case: BEGIN ATOMIC inside parentheses is not a body
CREATE FUNCTION f(x int DEFAULT (begin atomic)) RETURNS int LANGUAGE sql RETURN 1;
SELECT 2;
#### split: 2
#### case: a view named atomic
CREATE VIEW atomic AS SELECT 1; SELECT 2;
#### split: 2
#### case: statement after a body starts fresh
CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;
SELECT CASE WHEN true THEN 1 END;
END;
#### split: 3
@@ #3 3
END
#### txn: 3 END
#### case: semicolons inside a body never split, however many
CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC
;;;
INSERT INTO t VALUES (1);;
END;
#### split: 1
