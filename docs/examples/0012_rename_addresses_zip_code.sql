-- International shipping: rename addresses.zip_code to the country-neutral postal_code.
SET lock_timeout = '5s';

BEGIN;

ALTER TABLE addresses RENAME COLUMN zip_code TO postal_code;

COMMIT;
