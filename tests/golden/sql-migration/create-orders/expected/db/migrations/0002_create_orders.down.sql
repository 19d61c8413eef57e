-- Migration 0002_create_orders: down, undoing the up migration in reverse order.

DROP INDEX ix_order_line_sku;
DROP INDEX ix_order_customer_email_placed_at;
DROP TABLE order_line;
DROP TABLE "order";
