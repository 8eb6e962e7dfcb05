-- Pricing: allow prices up to 9,999,999,999.99 and record a discount on each order.
SET lock_timeout = '5s';

BEGIN;

-- Raising a numeric's precision at the same scale is metadata-only (no rewrite, no index rebuild);
-- PostgreSQL still re-checks the column's CHECK constraint with one scan while it holds the lock.
ALTER TABLE products ALTER COLUMN price TYPE numeric(12,2);
ALTER TABLE order_items ALTER COLUMN unit_price TYPE numeric(12,2);

ALTER TABLE orders ADD COLUMN discount_amount double precision NOT NULL DEFAULT 0;

COMMIT;
