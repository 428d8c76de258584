-- The source data that reports read: a deterministic, seeded sales dataset.
CREATE SCHEMA IF NOT EXISTS sales;

CREATE TABLE sales.customers (
    id          integer PRIMARY KEY,
    name        text        NOT NULL,
    email       text        NOT NULL,
    country     char(2)     NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE TABLE sales.orders (
    id           bigint PRIMARY KEY,
    customer_id  integer       NOT NULL REFERENCES sales.customers (id),
    ordered_at   timestamptz   NOT NULL,
    country      char(2)       NOT NULL,
    status       text          NOT NULL,
    items        integer       NOT NULL,
    currency     char(3)       NOT NULL,
    amount       numeric(12,2) NOT NULL
);

-- Which dataset is loaded, so seeding is skipped when it is already there.
CREATE TABLE sales.dataset (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    orders     bigint  NOT NULL,
    seed       integer NOT NULL,
    seeded_at  timestamptz NOT NULL DEFAULT now()
);

-- A deterministic uniform number in [0, 1) for row i and a salt: the dataset is the same for a seed
-- whatever the plan or parallelism, unlike random() with setseed().
CREATE FUNCTION sales.uniform(i bigint, salt bigint) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (hashint8extended(i, salt) & 9007199254740991)::double precision / 9007199254740992.0;
