-- Order fulfilment: restrict orders.status to the known states and record when an order ships.
SET lock_timeout = '5s';

BEGIN;

-- NOT VALID: enforced for new rows at once; existing rows are checked by 0009 without a long lock.
ALTER TABLE orders
    ADD CONSTRAINT orders_status_check
    CHECK (status IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'))
    NOT VALID;

ALTER TABLE orders ADD COLUMN shipped_at timestamp;
ALTER TABLE orders ADD COLUMN tracking_number text;

COMMIT;
