-- Create the addresses table (a customer's postal addresses) with its indexed foreign key.
SET lock_timeout = '5s';

BEGIN;

CREATE TABLE addresses (
    id            bigint GENERATED ALWAYS AS IDENTITY,
    customer_id   bigint      NOT NULL,
    line1         text        NOT NULL,
    line2         text,
    city          text        NOT NULL,
    region        text,
    zip_code      text        NOT NULL,
    country_code  text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT addresses_pkey PRIMARY KEY (id),
    CONSTRAINT addresses_customer_id_fkey FOREIGN KEY (customer_id)
        REFERENCES customers (id) ON DELETE CASCADE,
    CONSTRAINT addresses_country_code_check CHECK (country_code ~ '^[A-Z]{2}$')
);

-- The table is new and empty, so a plain CREATE INDEX inside the transaction is fine here.
CREATE INDEX addresses_customer_id_idx ON addresses (customer_id);

COMMIT;
