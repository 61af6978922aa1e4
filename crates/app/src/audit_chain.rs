//! Verifying the audit log's hash chain (`carelog audit verify`).

use carelog_domain::audit_chain::{ChainBreak, GENESIS, check_link};

use crate::{App, ServiceResult};

/// Links read per query while verifying: bounded memory at any log size.
const LINKS_PER_READ: i64 = 5_000;

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Links checked, up to the first break.
    pub checked: i64,
    pub broken: Option<ChainBreak>,
}

impl App {
    /// Walks the chain from its start and names the first event that does not hold: edited,
    /// removed, out of its place, missing from the end, or never sealed.
    pub async fn verify_audit_chain(&self) -> ServiceResult<ChainReport> {
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
