-- Exchange rates (issue 12, ADR 0030): what one unit of `currency` is worth
-- in `base` (the organization's currency when the rate was set) from
-- `rate_date` on. Kept per base, so rates set before the organization
-- changed its currency do not count after.
CREATE TABLE exchange_rates (
    tenant_id  uuid            NOT NULL,
    base       char(3)         NOT NULL,
    currency   char(3)         NOT NULL,
    rate_date  date            NOT NULL,
    rate       numeric(22, 10) NOT NULL,
    updated_at timestamptz     NOT NULL DEFAULT now(),
    CONSTRAINT exchange_rates_pkey PRIMARY KEY (tenant_id, base, currency, rate_date),
    CONSTRAINT exchange_rates_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES organizations (tenant_id) ON DELETE CASCADE,
    CONSTRAINT exchange_rates_rate_check CHECK (rate > 0),
    CONSTRAINT exchange_rates_pair_check CHECK (base <> currency)
);

SELECT isolate_tenant_table('exchange_rates'::regclass);

GRANT SELECT, INSERT, UPDATE, DELETE ON exchange_rates TO clearview_app;
