# realworld.sql - whole migrations shaped like the ones people write.
#### case: no-transaction concurrent index build
-- migc:no-transaction
-- Build the index without locking writes.
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id
    ON orders (customer_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_created_at
    ON orders (created_at DESC) WHERE deleted_at IS NULL;
#### split: 2
@@ 3
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id
    ON orders (customer_id)
@@ 5
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_created_at
    ON orders (created_at DESC) WHERE deleted_at IS NULL
#### txn: ok
#### case: concurrent index swap
-- migc:no-transaction
DROP INDEX CONCURRENTLY IF EXISTS users_email_old;
CREATE UNIQUE INDEX CONCURRENTLY users_email_new ON users (lower(email));
ALTER INDEX users_email_new RENAME TO users_email;
REINDEX INDEX CONCURRENTLY users_pkey;
#### split: 4
@@ 2
DROP INDEX CONCURRENTLY IF EXISTS users_email_old
@@ 3
CREATE UNIQUE INDEX CONCURRENTLY users_email_new ON users (lower(email))
@@ 4
ALTER INDEX users_email_new RENAME TO users_email
@@ 5
REINDEX INDEX CONCURRENTLY users_pkey
#### case: schema with enum, tables, constraints and a view
CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped', 'cancelled');

CREATE TABLE customers (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email       citext NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    status      order_status NOT NULL DEFAULT 'new',
    total_cents bigint NOT NULL CHECK (total_cents >= 0),
    note        text CHECK (note !~ ';'),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE VIEW open_orders AS
    SELECT o.*, c.email
    FROM orders o JOIN customers c ON c.id = o.customer_id
    WHERE o.status IN ('new', 'paid');
#### split: 4
@@ 1
CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped', 'cancelled')
#### txn: ok
#### case: backfill in batches with a DO block
-- migc:no-transaction
ALTER TABLE users ADD COLUMN IF NOT EXISTS email_lower text;

DO $$
DECLARE
    n bigint;
BEGIN
    LOOP
        UPDATE users SET email_lower = lower(email)
        WHERE id IN (SELECT id FROM users WHERE email_lower IS NULL LIMIT 1000);
        GET DIAGNOSTICS n = ROW_COUNT;
        EXIT WHEN n = 0;
        COMMIT;
    END LOOP;
END
$$;

ALTER TABLE users ALTER COLUMN email_lower SET NOT NULL;
#### split: 3
@@ 2
ALTER TABLE users ADD COLUMN IF NOT EXISTS email_lower text
@@ #3 18
ALTER TABLE users ALTER COLUMN email_lower SET NOT NULL
#### txn: ok
#### case: audit trigger with a generic function
CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    table_name text NOT NULL,
    op text NOT NULL,
    row_data jsonb,
    at timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION audit_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp
AS $function$
BEGIN
    IF (TG_OP = 'DELETE') THEN
        INSERT INTO audit_log (table_name, op, row_data)
        VALUES (TG_TABLE_NAME, TG_OP, to_jsonb(OLD));
        RETURN OLD;
    ELSIF (TG_OP = 'UPDATE') THEN
        INSERT INTO audit_log (table_name, op, row_data)
        VALUES (TG_TABLE_NAME, TG_OP, jsonb_build_object('old', to_jsonb(OLD), 'new', to_jsonb(NEW)));
        RETURN NEW;
    END IF;
    INSERT INTO audit_log (table_name, op, row_data) VALUES (TG_TABLE_NAME, TG_OP, to_jsonb(NEW));
    RETURN NEW;
EXCEPTION WHEN others THEN
    RAISE WARNING 'audit failed: %; continuing', SQLERRM;
    RETURN COALESCE(NEW, OLD);
END;
$function$;

CREATE TRIGGER orders_audit
AFTER INSERT OR UPDATE OR DELETE ON orders
FOR EACH ROW EXECUTE FUNCTION audit_row();
#### split: 3
@@ #3 31
CREATE TRIGGER orders_audit
AFTER INSERT OR UPDATE OR DELETE ON orders
FOR EACH ROW EXECUTE FUNCTION audit_row()
#### txn: ok
#### case: seed data with quotes, semicolons and unicode
INSERT INTO countries (code, name, motto) VALUES
    ('FR', 'France', 'Liberté, égalité, fraternité'),
    ('US', 'United States', 'In God We Trust; E pluribus unum'),
    ('JP', '日本', '—'),
    ('IE', 'Ireland', 'Éire; it''s green');
INSERT INTO snippets (lang, body) VALUES
    ('c', E'int main(void) { return 0; }\n'),
    ('sql', 'BEGIN; COMMIT;'),
    ('sh', 'echo "done"; exit 0');
#### split: 2
#### txn: ok
#### case: a migration dumped by pg_dump
--
-- PostgreSQL database dump
--

SET statement_timeout = 0;
SET lock_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;

--
-- Name: slugify(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.slugify(v text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    AS $_$
  SELECT trim(both '-' from regexp_replace(lower(v), '[^a-z0-9]+', '-', 'g'));
$_$;

--
-- Name: tags; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tags (
    id integer NOT NULL,
    name text NOT NULL
);

ALTER TABLE ONLY public.tags
    ADD CONSTRAINT tags_pkey PRIMARY KEY (id);
#### split: 9
@@ #7 16
CREATE FUNCTION public.slugify(v text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    AS $_$
  SELECT trim(both '-' from regexp_replace(lower(v), '[^a-z0-9]+', '-', 'g'));
$_$
#### txn: ok
#### case: policy and grants
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
CREATE POLICY owner_only ON documents
    USING (owner_id = current_setting('app.user_id')::bigint)
    WITH CHECK (owner_id = current_setting('app.user_id')::bigint);
GRANT SELECT, INSERT, UPDATE ON documents TO app_user;
REVOKE ALL ON documents FROM PUBLIC;
#### split: 4
#### txn: ok
#### case: partitioned table with partitions
CREATE TABLE events (
    id bigint NOT NULL,
    at timestamptz NOT NULL,
    payload jsonb
) PARTITION BY RANGE (at);
CREATE TABLE events_2026_01 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
CREATE TABLE events_2026_02 PARTITION OF events FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');
#### split: 3
#### case: a copy of a psql session with transaction control
BEGIN;
ALTER TABLE users RENAME COLUMN name TO full_name;
COMMIT;
#### split: 3
@@ 1
BEGIN
@@ 2
ALTER TABLE users RENAME COLUMN name TO full_name
@@ 3
COMMIT
#### txn: 1 BEGIN
#### case: SQLite schema with a trigger keeping a count
CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL);
CREATE TABLE stats (name TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0);
INSERT INTO stats (name) VALUES ('posts');
CREATE TRIGGER posts_count_ins AFTER INSERT ON posts
BEGIN
    UPDATE stats SET n = n + 1 WHERE name = 'posts';
END;
CREATE TRIGGER posts_count_del AFTER DELETE ON posts
BEGIN
    UPDATE stats SET n = n - 1 WHERE name = 'posts';
END;
#### split: 5
@@ #4 4
CREATE TRIGGER posts_count_ins AFTER INSERT ON posts
BEGIN
    UPDATE stats SET n = n + 1 WHERE name = 'posts';
END
@@ 8
CREATE TRIGGER posts_count_del AFTER DELETE ON posts
BEGIN
    UPDATE stats SET n = n - 1 WHERE name = 'posts';
END
#### txn: ok
#### case: SQL-standard functions alongside plpgsql
CREATE FUNCTION order_total(o orders) RETURNS bigint
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT COALESCE(sum(li.qty * li.price_cents), 0)
    FROM line_items li WHERE li.order_id = o.id;
END;

CREATE FUNCTION order_label(o orders) RETURNS text
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT CASE o.status
        WHEN 'new' THEN 'New order'
        WHEN 'paid' THEN 'Paid; awaiting shipment'
        ELSE initcap(o.status::text)
    END;
END;

CREATE FUNCTION bump(o orders) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE orders SET status = 'paid' WHERE id = o.id;
END $$;
#### split: 3
@@ #2 8
CREATE FUNCTION order_label(o orders) RETURNS text
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT CASE o.status
        WHEN 'new' THEN 'New order'
        WHEN 'paid' THEN 'Paid; awaiting shipment'
        ELSE initcap(o.status::text)
    END;
END
#### txn: ok
#### case: extension and search path setup
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE SCHEMA IF NOT EXISTS app AUTHORIZATION app_owner;
SET search_path TO app, public;
#### split: 4
#### txn: ok
#### case: comments with quotes and semicolons all over
-- Don't run this twice; it isn't idempotent.
/*
 * Author's note: the "users" table gets a column;
 * see ticket #42 ('urgent').
 */
ALTER TABLE users ADD COLUMN bio text; -- it's optional
-- done; that's all
#### split: 1
@@ 6
ALTER TABLE users ADD COLUMN bio text
#### txn: ok
#### case: generated column and exclusion constraint
CREATE TABLE bookings (
    room int NOT NULL,
    during tstzrange NOT NULL,
    nights int GENERATED ALWAYS AS (upper(during)::date - lower(during)::date) STORED,
    EXCLUDE USING gist (room WITH =, during WITH &&)
);
#### split: 1
#### case: materialized view refresh, no transaction
-- migc:no-transaction
REFRESH MATERIALIZED VIEW CONCURRENTLY monthly_totals;
VACUUM (ANALYZE) orders;
#### split: 2
@@ 2
REFRESH MATERIALIZED VIEW CONCURRENTLY monthly_totals
@@ 3
VACUUM (ANALYZE) orders
#### case: a no-transaction file that manages its own transactions
-- migc:no-transaction
BEGIN;
UPDATE accounts SET flag = true WHERE id < 1000;
COMMIT;
BEGIN;
UPDATE accounts SET flag = true WHERE id >= 1000;
COMMIT;
CREATE INDEX CONCURRENTLY accounts_flag ON accounts (flag);
#### split: 7
@@ 2
BEGIN
#### txn: 2 BEGIN
#### case: window functions and CTEs
WITH ranked AS (
    SELECT id, row_number() OVER (PARTITION BY customer_id ORDER BY created_at DESC) AS rn
    FROM orders
)
DELETE FROM orders WHERE id IN (SELECT id FROM ranked WHERE rn > 100);
#### split: 1
#### txn: ok
#### case: ALTER TYPE ADD VALUE needs its own statement
-- migc:no-transaction
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded' AFTER 'paid';
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'disputed';
#### split: 2
