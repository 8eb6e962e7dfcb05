-- Index products.category_id (the foreign key added in 0006) without blocking writes; no transaction.
CREATE INDEX CONCURRENTLY products_category_id_idx ON products (category_id);
