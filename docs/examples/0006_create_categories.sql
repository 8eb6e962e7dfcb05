-- Create the categories tree and attach products to a category.
SET lock_timeout = '5s';

BEGIN;

CREATE TABLE categories (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    parent_id   bigint,
    name        text        NOT NULL,
    slug        text        NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT categories_pkey PRIMARY KEY (id),
    CONSTRAINT categories_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES categories (id),
    CONSTRAINT categories_parent_id_check CHECK (parent_id <> id)
);

CREATE INDEX categories_parent_id_idx ON categories (parent_id);

-- A new nullable column with no default: the foreign key has nothing to scan.
ALTER TABLE products
    ADD COLUMN category_id bigint
        CONSTRAINT products_category_id_fkey REFERENCES categories (id) ON DELETE SET NULL;

COMMIT;
