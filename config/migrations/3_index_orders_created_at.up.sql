SET SESSION lock_wait_timeout = 5;
CREATE INDEX orders_created_at ON orders (created_at);
