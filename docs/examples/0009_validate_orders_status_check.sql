-- Validate orders_status_check (added NOT VALID in 0008) in its own transaction.
SET lock_timeout = '5s';

BEGIN;

ALTER TABLE orders VALIDATE CONSTRAINT orders_status_check;

COMMIT;
