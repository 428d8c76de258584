using Microsoft.Extensions.Logging;
using Npgsql;

namespace Reports.Core.Dataset;

/// <summary>
/// Creates the <c>sales</c> schema (<see cref="SalesSchema"/>) in the database it is given and seeds it with set-based
/// SQL: the same rows for the same seed and size, in seconds. Countries are skewed, dates grow towards the present, and customer names include Unicode, quotes,
/// commas, newlines and values that start like spreadsheet formulas, so exports meet real-world text.
/// Orders are numbered and stored in the order they were placed, as a live orders table grows: date-range reads
/// touch neighbouring pages, not one page per row.
/// </summary>
public sealed class SalesDataset(NpgsqlDataSource dataSource, ILogger<SalesDataset> logger)
{
    public const int DefaultSeed = 42;

    /// <summary>The generator's version: a dataset seeded by another version is seeded again.</summary>
    public const int Version = 3;

    /// <summary>Seeds <paramref name="orders"/> orders unless exactly that dataset is already loaded. Returns true when it seeded.</summary>
    public async Task<bool> EnsureAsync(long orders, int seed, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(orders, 1_000);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(orders, 10_000_000);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await SalesSchema.EnsureAsync(connection, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Serialise seeders: a second one waits, then sees the dataset in place.
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE sales.dataset IN EXCLUSIVE MODE", connection, transaction))
        {
            await lockTable.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var current = new NpgsqlCommand("SELECT orders, seed, version FROM sales.dataset", connection, transaction))
        await using (var reader = await current.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken) && reader.GetInt64(0) == orders && reader.GetInt32(1) == seed && reader.GetInt32(2) == Version)
            {
                return false;
            }
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var customers = Math.Max(100, orders / 20);
        await using (var seedCommand = new NpgsqlCommand(SeedSql, connection, transaction))
        {
            seedCommand.CommandTimeout = 0;
            seedCommand.Parameters.AddWithValue("orders", orders);
            seedCommand.Parameters.AddWithValue("customers", (int)customers);
            seedCommand.Parameters.AddWithValue("seed", (long)seed);
            seedCommand.Parameters.AddWithValue("version", Version);
            await seedCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Seeded {Orders} orders and {Customers} customers (seed {Seed}) in {Seconds:0.0} s",
            orders, customers, seed, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        await using var analyze = new NpgsqlCommand("ANALYZE sales.customers; ANALYZE sales.orders", connection);
        await analyze.ExecuteNonQueryAsync(cancellationToken);
        return true;
    }

    private const string SeedSql = """
        TRUNCATE sales.orders, sales.customers;
        DROP INDEX IF EXISTS sales.orders_ordered_at_id;
        DROP INDEX IF EXISTS sales.orders_customer_ordered_at_id;

        INSERT INTO sales.customers (id, name, email, country, created_at)
        SELECT i,
               CASE i % 1000
                   WHEN 7 THEN 'Smith, Jones & Partners'
                   WHEN 77 THEN 'The "Best" Shop'
                   WHEN 177 THEN E'Harbour Office\nBuilding 2'
                   WHEN 277 THEN '=HYPERLINK("http://example.com")'
                   WHEN 377 THEN '+44 Trading'
                   WHEN 477 THEN '-minus Ltd'
                   WHEN 577 THEN '@handle GmbH'
                   ELSE (ARRAY['Zoë','José','Søren','Łukasz','Ana','Мария','Aïsha','Chloé','Hiroshi','Olga','Noah','Mia','Liam','Emma','Mateo','Sofía','Ngozi','Ravi','Fatima','Björn'])
                            [1 + floor(sales.uniform(i, @seed * 31 + 1) * 20)::int]
                        || ' ' ||
                        (ARRAY['Müller','García','O''Connor','Nguyễn','Smith','Østergaard','Kowalski','Dubois','Rossi','Παπαδόπουλος','van der Berg','Ivanova','Silva','Öztürk','Novák','Johansson','Kim','Patel','Okafor','Brown'])
                            [1 + floor(sales.uniform(i, @seed * 31 + 2) * 20)::int]
               END,
               'customer' || i || '@example.com',
               -- Skewed: the first countries of the list are far more common.
               (ARRAY['US','DE','GB','FR','JP','CA','NL','ES','IT','SE','PL','BR','AU','CH','AT','BE','DK','NO','IE','PT'])
                   [1 + floor(power(sales.uniform(i, @seed * 31 + 3), 2.2) * 20)::int],
               timestamptz '2018-01-01 00:00:00+00' + sales.uniform(i, @seed * 31 + 4) * interval '730 days'
        FROM generate_series(1, @customers) AS i;

        SET LOCAL work_mem = '256MB';
        INSERT INTO sales.orders (id, customer_id, ordered_at, country, status, items, currency, amount)
        SELECT row_number() OVER (ORDER BY o.ordered_at, o.i), o.customer_id, o.ordered_at, c.country,
               CASE WHEN o.s < 0.85 THEN 'completed' WHEN o.s < 0.90 THEN 'refunded'
                    WHEN o.s < 0.95 THEN 'cancelled' ELSE 'pending' END,
               o.items,
               r.currency,
               -- Prices in euros, charged in the country's currency at the reference rate (whole yen).
               round((o.items * (5 + o.p * 195))::numeric / r.eur, CASE WHEN r.currency = 'JPY' THEN 0 ELSE 2 END)
        FROM (
            SELECT i,
                   1 + floor(sales.uniform(i, @seed * 31 + 11) * @customers)::int AS customer_id,
                   -- Growth towards the present (sqrt), plus a year-end season: a quarter of orders move into Nov-Dec.
                   CASE WHEN sales.uniform(i, @seed * 31 + 16) < 0.25
                        THEN make_timestamptz(2020 + floor(sales.uniform(i, @seed * 31 + 17) * 6)::int, 11, 1, 0, 0, 0, 'UTC')
                             + sales.uniform(i, @seed * 31 + 12) * interval '61 days'
                        ELSE timestamptz '2020-01-01 00:00:00+00' + sqrt(sales.uniform(i, @seed * 31 + 12)) * interval '2191 days'
                   END AS ordered_at,
                   sales.uniform(i, @seed * 31 + 13) AS s,
                   1 + floor(power(sales.uniform(i, @seed * 31 + 14), 3) * 10)::int AS items,
                   sales.uniform(i, @seed * 31 + 15) AS p
            FROM generate_series(1, @orders) AS i
        ) AS o
        JOIN sales.customers AS c ON c.id = o.customer_id
        JOIN sales.fx_rates AS r ON r.currency = CASE c.country WHEN 'US' THEN 'USD' WHEN 'GB' THEN 'GBP' WHEN 'JP' THEN 'JPY'
                 WHEN 'CA' THEN 'CAD' WHEN 'SE' THEN 'SEK' WHEN 'PL' THEN 'PLN' WHEN 'BR' THEN 'BRL' WHEN 'AU' THEN 'AUD'
                 WHEN 'CH' THEN 'CHF' WHEN 'DK' THEN 'DKK' WHEN 'NO' THEN 'NOK' ELSE 'EUR' END
        ORDER BY o.ordered_at, o.i;

        CREATE INDEX orders_ordered_at_id ON sales.orders (ordered_at, id);
        CREATE INDEX orders_customer_ordered_at_id ON sales.orders (customer_id, ordered_at, id);

        DELETE FROM sales.dataset;
        INSERT INTO sales.dataset (orders, seed, version) VALUES (@orders, @seed, @version);
        """;
}
