-- Billing details: a contact phone number on customers and a billing address on orders.
SET lock_timeout = '5s';

BEGIN;

ALTER TABLE customers ADD COLUMN phone varchar(32);

ALTER TABLE orders
    ADD COLUMN billing_address_id bigint
        CONSTRAINT orders_billing_address_id_fkey REFERENCES addresses (id) ON DELETE SET NULL;

COMMIT;
