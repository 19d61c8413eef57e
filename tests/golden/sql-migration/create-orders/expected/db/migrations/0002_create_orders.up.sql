-- Migration 0002_create_orders: up.

CREATE TABLE "order" (
    id INTEGER PRIMARY KEY,
    customer_email TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    total NUMERIC NOT NULL DEFAULT 0,
    placed_at TIMESTAMP
);

CREATE TABLE order_line (
    order_id INTEGER NOT NULL REFERENCES "order" (id) ON DELETE CASCADE,
    line INTEGER NOT NULL,
    sku TEXT NOT NULL,
    quantity INTEGER NOT NULL DEFAULT 1,
    unit_price REAL NOT NULL,
    attachment BLOB,
    PRIMARY KEY (order_id, line)
);

CREATE INDEX ix_order_customer_email_placed_at ON "order" (customer_email, placed_at);

CREATE INDEX ix_order_line_sku ON order_line (sku);
