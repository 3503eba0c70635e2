//! The `external_gateways` table: external MCP gateways by name, with the keychain reference of
//! their token, external mode, and the last health check (JSON, written by the facade).

use crate::{Store, StoreError};

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ExternalGatewayRow {
    pub name: String,
    pub url: String,
    /// The keychain reference of the bearer token.
    pub token_key: String,
    pub external_mode: bool,
    /// The last health check as JSON.
    pub last_test: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Store {
    /// Records a gateway, or replaces the one of that name: a new address is untested, so its
    /// external mode is off and its last check forgotten.
    pub async fn put_external_gateway(
        &self,
        name: &str,
        url: &str,
        token_key: &str,
    ) -> Result<(), StoreError> {
        let now = self.clock.now_ms();
        sqlx::query(
            "INSERT INTO external_gateways (name, url, token_key, external_mode, last_test, created_at, updated_at) \
             VALUES (?, ?, ?, 0, NULL, ?, ?) ON CONFLICT (name) DO UPDATE SET url = excluded.url, \
             token_key = excluded.token_key, external_mode = 0, last_test = NULL, updated_at = excluded.updated_at",
        )
        .bind(name)
        .bind(url)
        .bind(token_key)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn external_gateways(&self) -> Result<Vec<ExternalGatewayRow>, StoreError> {
        Ok(sqlx::query_as("SELECT * FROM external_gateways ORDER BY name").fetch_all(&self.pool).await?)
    }

    pub async fn external_gateway(&self, name: &str) -> Result<Option<ExternalGatewayRow>, StoreError> {
        Ok(sqlx::query_as("SELECT * FROM external_gateways WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Records a health check and the external mode it leaves; false when the gateway is gone
    /// (removed while it was being checked).
    pub async fn record_external_test(
        &self,
        name: &str,
        url: &str,
        last_test: &str,
        external_mode: bool,
    ) -> Result<bool, StoreError> {
        // Only for the address that was checked: a gateway replaced meanwhile keeps its state.
        let done = sqlx::query(
            "UPDATE external_gateways SET last_test = ?, external_mode = ?, updated_at = ? WHERE name = ? AND url = ?",
        )
        .bind(last_test)
        .bind(external_mode)
        .bind(self.clock.now_ms())
        .bind(name)
        .bind(url)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Forgets a gateway; true when it was there.
    pub async fn delete_external_gateway(&self, name: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM external_gateways WHERE name = ?")
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;

    #[tokio::test]
    async fn a_replaced_gateway_is_untested_and_a_check_of_the_old_address_does_not_land() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        store.put_external_gateway("e2b", "https://a.e2b.app", "berth/gateway-ext/e2b").await.unwrap();
        assert!(store.record_external_test("e2b", "https://a.e2b.app", "{}", true).await.unwrap());
        let row = store.external_gateway("e2b").await.unwrap().unwrap();
        assert!(row.external_mode);
        assert_eq!(row.last_test.as_deref(), Some("{}"));
        store.put_external_gateway("e2b", "https://b.e2b.app", "berth/gateway-ext/e2b").await.unwrap();
        let row = store.external_gateway("e2b").await.unwrap().unwrap();
        assert!(!row.external_mode && row.last_test.is_none());
        assert!(!store.record_external_test("e2b", "https://a.e2b.app", "{}", true).await.unwrap());
        assert!(!store.external_gateway("e2b").await.unwrap().unwrap().external_mode);
        assert!(store.delete_external_gateway("e2b").await.unwrap());
        assert!(store.external_gateways().await.unwrap().is_empty());
        assert!(!store.delete_external_gateway("e2b").await.unwrap());
    }
}
