-- Migration 0001_create_users: down, undoing the up migration in reverse order.
-- Accounts that can sign in.

DROP TABLE users;
