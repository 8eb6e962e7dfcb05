-- Create the order_items table: the product lines of each order.
SET lock_timeout = '5s';

BEGIN;

CREATE TABLE order_items (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    order_id    bigint        NOT NULL,
    product_id  bigint        NOT NULL,
    quantity    integer       NOT NULL,
    unit_price  numeric(10,2) NOT NULL,
    CONSTRAINT order_items_pkey PRIMARY KEY (id),
    CONSTRAINT order_items_order_id_fkey FOREIGN KEY (order_id)
        REFERENCES orders (id) ON DELETE CASCADE,
    CONSTRAINT order_items_product_id_fkey FOREIGN KEY (product_id)
        REFERENCES products (id) ON DELETE RESTRICT,
    -- Leads with order_id, so it also serves as the index for order_items_order_id_fkey.
    CONSTRAINT order_items_order_id_product_id_key UNIQUE (order_id, product_id),
    CONSTRAINT order_items_quantity_check CHECK (quantity > 0),
    CONSTRAINT order_items_unit_price_check CHECK (unit_price >= 0)
);

CREATE INDEX order_items_product_id_idx ON order_items (product_id);

COMMIT;
