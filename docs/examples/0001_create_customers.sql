-- Create the customers table: one row per registered shopper account.
BEGIN;

CREATE TABLE customers (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    email       text        NOT NULL,
    full_name   text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT customers_pkey PRIMARY KEY (id),
    CONSTRAINT customers_email_key UNIQUE (email),
    CONSTRAINT customers_email_check CHECK (char_length(email) BETWEEN 3 AND 320)
);

COMMIT;
