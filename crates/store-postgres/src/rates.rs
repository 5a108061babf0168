//! `RateRepository` over PostgreSQL: `exchange_rates` (migration
//! 20261206000004). The rate in force is one index probe per currency
//! (the primary key read backwards from the day asked for).

use crate::db::PgStore;
use crate::errors::map_err;
use async_trait::async_trait;
use chrono::NaiveDate;
use clearview_kernel::{Currency, Decimal, RepoError, TenantContext};
use clearview_pipelines::{Rate, RateInForce, RateRepository};
use std::collections::BTreeMap;

fn currency(code: &str) -> Result<Currency, RepoError> {
    Currency::parse(code).map_err(|e| RepoError::Unexpected(e.into()))
}

#[async_trait]
impl RateRepository for PgStore {
    async fn base_currency(&self, ctx: &TenantContext) -> Result<Currency, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let code: String = sqlx::query_scalar("SELECT default_currency::text FROM organizations WHERE tenant_id = $1")
            .bind(ctx.tenant_id.as_uuid())
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        currency(code.trim())
    }

    async fn rates(&self, ctx: &TenantContext, base: Currency, only: Option<Currency>) -> Result<Vec<Rate>, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let rows: Vec<(String, NaiveDate, Decimal)> = sqlx::query_as(
            "SELECT currency::text, rate_date, rate FROM exchange_rates \
             WHERE tenant_id = $1 AND base = $2 AND ($3::text IS NULL OR currency = $3) \
             ORDER BY currency, rate_date DESC LIMIT 10000",
        )
        .bind(ctx.tenant_id.as_uuid())
        .bind(base.as_str())
        .bind(only.map(|c| c.as_str().to_owned()))
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        rows.into_iter()
            .map(|(code, date, rate)| {
                Ok(Rate {
                    currency: currency(code.trim())?,
                    date,
                    rate,
                })
            })
            .collect()
    }

    async fn put_rates(&self, ctx: &TenantContext, base: Currency, rates: &[Rate]) -> Result<(), RepoError> {
        let currencies: Vec<&str> = rates.iter().map(|r| r.currency.as_str()).collect();
        let dates: Vec<NaiveDate> = rates.iter().map(|r| r.date).collect();
        let values: Vec<Decimal> = rates.iter().map(|r| r.rate).collect();
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        sqlx::query(
            "INSERT INTO exchange_rates (tenant_id, base, currency, rate_date, rate) \
             SELECT $1, $2, c, d, r FROM unnest($3::text[], $4::date[], $5::numeric[]) AS t (c, d, r) \
             ON CONFLICT (tenant_id, base, currency, rate_date) \
             DO UPDATE SET rate = EXCLUDED.rate, updated_at = now()",
        )
        .bind(ctx.tenant_id.as_uuid())
        .bind(base.as_str())
        .bind(&currencies)
        .bind(&dates)
        .bind(&values)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn in_force(
        &self,
        ctx: &TenantContext,
        base: Currency,
        currencies: &[Currency],
        on: NaiveDate,
    ) -> Result<BTreeMap<Currency, RateInForce>, RepoError> {
        let codes: Vec<&str> = currencies.iter().map(|c| c.as_str()).collect();
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let rows: Vec<(String, NaiveDate, Decimal)> = sqlx::query_as(
            "SELECT c, r.rate_date, r.rate FROM unnest($3::text[]) AS c \
             CROSS JOIN LATERAL (SELECT rate_date, rate FROM exchange_rates \
                 WHERE tenant_id = $1 AND base = $2 AND currency = c AND rate_date <= $4 \
                 ORDER BY rate_date DESC LIMIT 1) r",
        )
        .bind(ctx.tenant_id.as_uuid())
        .bind(base.as_str())
        .bind(&codes)
        .bind(on)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        rows.into_iter()
            .map(|(code, date, rate)| Ok((currency(code.trim())?, RateInForce { rate, date: Some(date) })))
            .collect()
    }
}
