-- Migration 0002_add_locale_and_manager_to_users: down, undoing the up migration in reverse order.
-- Users pick a locale and may report to a manager.

DROP INDEX users_manager_order_key;
DROP INDEX ix_users_manager_id;
ALTER TABLE users DROP COLUMN "order";
ALTER TABLE users DROP COLUMN manager_id;
ALTER TABLE users DROP COLUMN locale;
