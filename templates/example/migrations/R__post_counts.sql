-- A repeatable migration: re-applied whenever this file changes.
DROP VIEW IF EXISTS post_counts;
CREATE VIEW post_counts AS
SELECT users.id AS user_id, users.email, count(posts.id) AS posts
FROM users LEFT JOIN posts ON posts.user_id = users.id
GROUP BY users.id, users.email;
