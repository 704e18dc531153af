-- Built outside a transaction: on PostgreSQL this would be
-- CREATE UNIQUE INDEX CONCURRENTLY, which refuses to run inside one.
-- migc:no-transaction
CREATE UNIQUE INDEX users_email ON users (email);
