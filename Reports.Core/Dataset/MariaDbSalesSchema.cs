namespace Reports.Core.Dataset;

/// <summary>
/// The MariaDB tables of the sales dataset copy, equal to PostgreSQL's (Storage/Migrations 0002, 0003): the same names,
/// exact decimals, timestamptz as DATETIME(6) holding UTC, text compared by code point, the same keyset indexes.
/// </summary>
internal static class MariaDbSalesSchema
{
    private const string TableOptions = $"ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={MariaDbSalesCopy.Collation}";

    /// <summary>Which dataset the copy holds; written last, so a copy cut short is made again.</summary>
    public const string Marker = $"""
        CREATE TABLE IF NOT EXISTS dataset (
            singleton     BOOLEAN     NOT NULL DEFAULT TRUE PRIMARY KEY CHECK (singleton),
            orders        BIGINT      NOT NULL,
            seed          INT         NOT NULL,
            version       INT         NOT NULL,
            copy_version  INT         NOT NULL,
            copied_at     DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6)
        ) {TableOptions}
        """;

    /// <summary>The tables made anew, empty (orders first: its foreign key would keep customers from being dropped).</summary>
    public const string Tables = $"""
        DROP TABLE IF EXISTS orders, customers, fx_rates;

        CREATE TABLE fx_rates (
            currency  CHAR(3)       NOT NULL PRIMARY KEY,
            eur       DECIMAL(12,6) NOT NULL
        ) {TableOptions};

        CREATE TABLE customers (
            id          INT         NOT NULL PRIMARY KEY,
            name        TEXT        NOT NULL,
            email       TEXT        NOT NULL,
            country     CHAR(2)     NOT NULL,
            created_at  DATETIME(6) NOT NULL
        ) {TableOptions};

        CREATE TABLE orders (
            id           BIGINT        NOT NULL PRIMARY KEY,
            customer_id  INT           NOT NULL,
            ordered_at   DATETIME(6)   NOT NULL,
            country      CHAR(2)       NOT NULL,
            status       TEXT          NOT NULL,
            items        INT           NOT NULL,
            currency     CHAR(3)       NOT NULL,
            amount       DECIMAL(12,2) NOT NULL,
            INDEX orders_ordered_at_id (ordered_at, id),
            INDEX orders_customer_ordered_at_id (customer_id, ordered_at, id),
            CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id)
        ) {TableOptions}
        """;
}
