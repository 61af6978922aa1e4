//! Verifying the audit log's hash chain (`carelog audit verify`).

use std::time::Duration;

use carelog_domain::audit_chain::{ChainBreak, GENESIS, check_link};

use crate::{App, ServiceResult};

/// Links read per query while verifying: bounded memory at any log size.
const LINKS_PER_READ: i64 = 5_000;

/// How long the sealer lets audit events gather after one commits, so events committed together
/// share one seal (one turn on the chain's head, one flush).
const SEAL_GATHER: Duration = Duration::from_millis(50);

/// How often the sealer looks without being told: events another server committed and did not
/// seal (it stopped), or that a crash left marked.
const SEAL_SWEEP: Duration = Duration::from_secs(5);

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Links checked, up to the first break.
    pub checked: i64,
    pub broken: Option<ChainBreak>,
}

impl App {
    /// Links the events committed since the last seal into the chain; returns how many.
    pub async fn seal_audit_events(&self) -> ServiceResult<u64> {
        Ok(self.store.seal_pending_audit_events().await?)
    }

    /// A server's sealer, for as long as it serves: links audit events into the hash chain within
    /// `SEAL_GATHER` of their commit (`SEAL_SWEEP` at most), so no request waits for the chain's
    /// lock, which one commit at a time held through its flush.
    pub async fn keep_audit_sealed(self) {
        loop {
            let _ = tokio::time::timeout(SEAL_SWEEP, self.store.audit_committed()).await;
            tokio::time::sleep(SEAL_GATHER).await;
            if let Err(e) = self.seal_audit_events().await {
                tracing::warn!(error = %e, "sealing audit events failed");
            }
        }
    }

    /// Seals what is waiting, then walks the chain from its start and names the first event that
    /// does not hold: edited, removed, out of its place, missing from the end, or never sealed.
    pub async fn verify_audit_chain(&self) -> ServiceResult<ChainReport> {
        self.seal_audit_events().await?;
        let head = self.store.audit_chain_head().await?;
        let mut previous = GENESIS.to_owned();
        let (mut after, mut checked) = (0, 0);
        loop {
            let links = self.store.audit_chain_links(after, LINKS_PER_READ).await?;
            let Some(last) = links.last().map(|l| l.seq) else { break };
            for link in &links {
                match check_link(&previous, link) {
                    Ok(next) => previous = next,
                    Err(broken) => return Ok(ChainReport { checked, broken: Some(broken) }),
                }
                checked += 1;
            }
            after = last;
        }
        if let Some(head) = head
            && (head.seq != after || (head.seq > 0 && head.hash != previous))
        {
            let broken = ChainBreak::Truncated { last_seq: after, head_seq: head.seq };
            return Ok(ChainReport { checked, broken: Some(broken) });
        }
        if let Some(event_id) = self.store.first_unsealed_audit_event().await? {
            return Ok(ChainReport { checked, broken: Some(ChainBreak::Unsealed { event_id }) });
        }
        Ok(ChainReport { checked, broken: None })
    }
}
