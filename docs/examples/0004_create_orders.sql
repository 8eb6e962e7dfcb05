-- Create the orders table, referencing the customer and the shipping address.
SET lock_timeout = '5s';

BEGIN;

CREATE TABLE orders (
    id                   bigint GENERATED ALWAYS AS IDENTITY,
    customer_id          bigint        NOT NULL,
    shipping_address_id  bigint,
    status               text          NOT NULL DEFAULT 'pending',
    total_amount         numeric(12,2) NOT NULL DEFAULT 0,
    placed_at            timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT orders_pkey PRIMARY KEY (id),
    CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id)
        REFERENCES customers (id) ON DELETE RESTRICT,
    CONSTRAINT orders_shipping_address_id_fkey FOREIGN KEY (shipping_address_id)
        REFERENCES addresses (id) ON DELETE SET NULL,
    CONSTRAINT orders_total_amount_check CHECK (total_amount >= 0)
);

CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE INDEX orders_shipping_address_id_idx ON orders (shipping_address_id);

COMMIT;
