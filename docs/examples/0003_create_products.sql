-- Create the products catalogue table.
BEGIN;

CREATE TABLE products (
    id           bigint GENERATED ALWAYS AS IDENTITY,
    sku          text          NOT NULL,
    name         text          NOT NULL,
    description  text,
    price        numeric(10,2) NOT NULL,
    is_active    boolean       NOT NULL DEFAULT true,
    created_at   timestamptz   NOT NULL DEFAULT now(),
    updated_at   timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT products_pkey PRIMARY KEY (id),
    CONSTRAINT products_sku_key UNIQUE (sku),
    CONSTRAINT products_price_check CHECK (price >= 0)
);

COMMIT;
