# dollar.sql - dollar quotes, plpgsql functions, DO blocks, triggers.
#### case: empty-tag dollar quote with semicolons
SELECT $$a; b; c$$; SELECT 2;
#### split: 2
@@ 1
SELECT $$a; b; c$$
@@ 1
SELECT 2
#### case: tagged dollar quote
SELECT $body$a; b$body$; SELECT 2;
#### split: 2
@@ 1
SELECT $body$a; b$body$
@@ 1
SELECT 2
#### case: $$ inside a $fn$ body does not end it
SELECT $fn$ x $$ ; $$ y; $fn$; SELECT 2;
#### split: 2
@@ 1
SELECT $fn$ x $$ ; $$ y; $fn$
@@ 1
SELECT 2
#### case: another tag inside a body does not end it
SELECT $a$ $b$; $b$ $ab$ $a $a$; SELECT 2;
#### split: 2
@@ 1
SELECT $a$ $b$; $b$ $ab$ $a $a$
@@ 1
SELECT 2
#### case: tag is case sensitive
SELECT $X$ ; $x$ ; $X$; SELECT 2;
#### split: 2
@@ 1
SELECT $X$ ; $x$ ; $X$
@@ 1
SELECT 2
#### case: tag with digits and underscore
SELECT $_tag_1$ ; $_tag_1$; SELECT 2;
#### split: 2
@@ 1
SELECT $_tag_1$ ; $_tag_1$
@@ 1
SELECT 2
#### case: UTF-8 tag
SELECT $é$ ; $é$; SELECT 2;
#### split: 2
@@ 1
SELECT $é$ ; $é$
@@ 1
SELECT 2
#### case: close right after a dollar that is not a tag
SELECT $a$ $$a$; SELECT 2;
#### split: 2
@@ 1
SELECT $a$ $$a$
@@ 1
SELECT 2
#### case: overlapping delimiter candidates
SELECT $a$ $aa$a$; SELECT 2;
#### split: 2
@@ 1
SELECT $a$ $aa$a$
@@ 1
SELECT 2
#### case: quotes and comments inside a dollar body mean nothing
SELECT $$ it's " /* -- $$; SELECT 2;
#### split: 2
@@ 1
SELECT $$ it's " /* -- $$
@@ 1
SELECT 2
#### case: a tag may not start with a digit
SELECT $1$; SELECT 2;
#### split: 2
@@ 1
SELECT $1$
@@ 1
SELECT 2
#### case: dollar quote straight after a number
SELECT 1$$; $$; SELECT 2;
#### split: 2
@@ 1
SELECT 1$$; $$
@@ 1
SELECT 2
#### case: dollar quote straight after an operator
SELECT 'a'||$$b;$$; SELECT 2;
#### split: 2
@@ 1
SELECT 'a'||$$b;$$
@@ 1
SELECT 2
#### case: plpgsql function with nested blocks and exceptions
CREATE OR REPLACE FUNCTION transfer(src bigint, dst bigint, amount numeric)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    balance numeric;
BEGIN
    SELECT a.balance INTO balance FROM accounts a WHERE id = src FOR UPDATE;
    IF balance < amount THEN
        RAISE EXCEPTION 'insufficient funds; have %, need %', balance, amount;
    END IF;
    BEGIN
        UPDATE accounts SET balance = balance - amount WHERE id = src;
        UPDATE accounts SET balance = balance + amount WHERE id = dst;
    EXCEPTION
        WHEN foreign_key_violation THEN
            RAISE NOTICE 'no such account';
            ROLLBACK;
        WHEN OTHERS THEN
            RAISE;
    END;
    COMMIT;
END;
$$;
SELECT 1;
#### split: 2
@@ #2 25
SELECT 1
#### txn: ok
#### case: plpgsql function with a tagged body and CASE
CREATE FUNCTION grade(score int) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $fn$
BEGIN
    RETURN CASE
        WHEN score >= 90 THEN 'A'
        WHEN score >= 80 THEN 'B'
        ELSE 'F'
    END;
END
$fn$;
COMMENT ON FUNCTION grade(int) IS 'letter grade';
#### split: 2
@@ #2 10
COMMENT ON FUNCTION grade(int) IS 'letter grade'
#### txn: ok
#### case: function body as a plain string
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS '
BEGIN
    RETURN 1;
END;
';
SELECT 2;
#### split: 2
@@ #2 6
SELECT 2
#### txn: ok
#### case: function body as a plain string with doubled quotes
CREATE FUNCTION greet(n text) RETURNS text LANGUAGE plpgsql AS '
BEGIN
    RETURN ''hello, '' || n || ''; bye'';
END;
';
SELECT 2;
#### split: 2
@@ #2 6
SELECT 2
#### case: DO block
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app') THEN
        CREATE ROLE app;
    END IF;
END
$$;
GRANT SELECT ON users TO app;
#### split: 2
@@ 1
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app') THEN
        CREATE ROLE app;
    END IF;
END
$$
@@ 8
GRANT SELECT ON users TO app
#### txn: ok
#### case: DO block with a language clause and a tag
DO LANGUAGE plpgsql $do$
DECLARE r record;
BEGIN
    FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE format('ANALYZE %I;', r.tablename);
    END LOOP;
END $do$;
SELECT 2;
#### split: 2
@@ #2 8
SELECT 2
#### txn: ok
#### case: DO block that commits inside (procedures may)
DO $$
BEGIN
    FOR i IN 1..10 LOOP
        INSERT INTO t VALUES (i);
        COMMIT;
    END LOOP;
END $$;
#### split: 1
#### txn: ok
#### case: trigger function and trigger
CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE TRIGGER users_touch
    BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
#### split: 2
@@ 1
CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$
@@ 8
CREATE TRIGGER users_touch
    BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at()
#### txn: ok
#### case: dynamic SQL with nested dollar quotes
CREATE FUNCTION mk(t text) RETURNS void LANGUAGE plpgsql AS $outer$
BEGIN
    EXECUTE format($q$CREATE TABLE %I (id int); COMMENT ON TABLE %I IS $c$x;$c$;$q$, t, t);
END
$outer$;
SELECT 2;
#### split: 2
@@ #2 6
SELECT 2
#### txn: ok
#### case: SQL-language function with a dollar body
CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE
AS $$ SELECT a + b; $$;
SELECT add(1, 2);
#### split: 2
@@ #2 3
SELECT add(1, 2)
#### case: procedure with COMMIT in its body
CREATE PROCEDURE batch() LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM queue WHERE done;
    COMMIT;
END $$;
#### split: 1
#### txn: ok
#### case: function with a RETURN expression body
CREATE FUNCTION one() RETURNS int LANGUAGE sql RETURN 1;
SELECT one();
#### split: 2
@@ 1
CREATE FUNCTION one() RETURNS int LANGUAGE sql RETURN 1
@@ 2
SELECT one()
#### case: AS$$ glued together is an identifier, as PostgreSQL reads it
SELECT 1 AS$$; SELECT 2;
#### split: 2
@@ 1
SELECT 1 AS$$
@@ 1
SELECT 2
#### case: comment containing a dollar tag before a body
-- the body below uses $x$; beware
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $x$ SELECT 1 $x$;
#### split: 1
@@ 2
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $x$ SELECT 1 $x$
#### case: dollar body spanning many lines keeps line counting right
SELECT $$
;
;
;
$$;
SELECT 2;
SELECT 3;
#### split: 3
@@ 1
SELECT $$
;
;
;
$$
@@ 6
SELECT 2
@@ 7
SELECT 3
