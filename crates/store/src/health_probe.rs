//! The health check's write probe (table `health_probes`, migration 12).

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use crate::connection::at;
use crate::{Result, Store};

/// What the probe writes: two pages, more than an entry with its audit event, so a database with no
/// room for one fails the probe too. Random digits, which PostgreSQL cannot compress away.
const PROBE_PAYLOAD_BYTES: usize = 8 * 1024;

fn probe_payload(now: DateTime<Utc>) -> String {
    // A linear congruential sequence: cheap, and different each time.
    let mut x = now.timestamp_nanos_opt().unwrap_or_default() as u64 | 1;
    (0..PROBE_PAYLOAD_BYTES)
        .map(|_| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            char::from(b'0' + ((x >> 33) % 10) as u8)
        })
        .collect()
}

impl Store {
    /// Writes and removes a probe row in one committed transaction: Ok only if the database could
    /// store something now (for `/healthz`; reads alone succeed on a full disk).
    pub async fn probe_write(&self, node: &str, now: DateTime<Utc>) -> Result<()> {
        let tx = self.begin_write().await?;
        tx.execute_raw(self.stmt(
            "INSERT INTO health_probes (node, probed_at, payload) VALUES ($1, $2, $3)",
            vec![node.into(), at(now), probe_payload(now).into()],
        ))
        .await?;
        tx.execute_raw(self.stmt("DELETE FROM health_probes WHERE node = $1", vec![node.into()]))
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;

    #[tokio::test]
    async fn a_probe_leaves_no_row_behind() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::connect(&format!("sqlite:{}", dir.path().join("t.db").display())).await.unwrap();
        store.migrate().await.unwrap();
        store.probe_write("test", chrono::Utc::now()).await.unwrap();
        let rows = store.count("SELECT COUNT(*) AS n FROM health_probes", vec![]).await.unwrap();
        assert_eq!(rows, 0);
    }
}
