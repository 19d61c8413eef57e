-- Migration 0002_add_locale_and_manager_to_users: up.
-- Users pick a locale and may report to a manager.

ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT 'en';

ALTER TABLE users ADD COLUMN manager_id INTEGER REFERENCES users (id) ON DELETE SET NULL;

ALTER TABLE users ADD COLUMN "order" INTEGER NOT NULL DEFAULT 0;

CREATE INDEX ix_users_manager_id ON users (manager_id);

CREATE UNIQUE INDEX users_manager_order_key ON users (manager_id, "order");
