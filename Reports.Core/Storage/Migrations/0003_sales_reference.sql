-- Reference exchange rates, so reports can add up amounts in several currencies (fixed: the dataset is synthetic),
-- and the version of the generator that seeded the dataset, so a new generator reseeds.
CREATE TABLE sales.fx_rates (
    currency  char(3)       PRIMARY KEY,
    eur       numeric(12,6) NOT NULL  -- euros per unit of the currency
);

INSERT INTO sales.fx_rates (currency, eur) VALUES
    ('EUR', 1.000000), ('USD', 0.920000), ('GBP', 1.170000), ('JPY', 0.006200), ('CAD', 0.680000), ('SEK', 0.087000),
    ('PLN', 0.230000), ('BRL', 0.170000), ('AUD', 0.610000), ('CHF', 1.040000), ('DKK', 0.134000), ('NOK', 0.086000);

ALTER TABLE sales.dataset ADD COLUMN version integer NOT NULL DEFAULT 1;
