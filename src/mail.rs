//! E-mail through SMTP (`CARELOG_SMTP_URL`, e.g. `smtp://relay:25`, `smtp://user:pass@relay:587?tls=required`,
//! `smtps://relay:465`), with lettre. Sends the e-mails this server has claimed, once each.

use carelog_store::Store;
use chrono::Utc;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("CARELOG_SMTP_URL: {0}")]
    Url(String),
    #[error(
        "CARELOG_SMTP_FROM: \"{0}\" is not an address such as carelog <carelog@practice.example>"
    )]
    From(String),
}

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(url: &str, from: &str) -> Result<Mailer, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Url(e.to_string()))?
            .build();
        let from = from.parse::<Mailbox>().map_err(|_| MailError::From(from.to_owned()))?;
        Ok(Mailer { transport, from })
    }

    /// Sends what is waiting; returns (sent, failed). A failure is recorded and not retried forever.
    pub async fn send_pending(
        &self,
        store: &Store,
    ) -> Result<(usize, usize), carelog_store::StoreError> {
        let (mut sent, mut failed) = (0, 0);
        for email in store.claim_pending_emails(100).await? {
            let message = email.to.parse::<Mailbox>().ok().and_then(|to| {
                Message::builder()
                    .from(self.from.clone())
                    .to(to)
                    .subject(email.subject.clone())
                    .body(email.body.clone())
                    .ok()
            });
            let ok = match message {
                Some(m) => match self.transport.send(m).await {
                    Ok(_) => true,
                    Err(e) => {
                        tracing::warn!(notification = email.id, error = %e, "e-mail not sent");
                        false
                    }
                },
                None => {
                    tracing::warn!(
                        notification = email.id,
                        "e-mail not sent: the user's address is not valid"
                    );
                    false
                }
            };
            store.mark_emailed(email.id, ok, Utc::now()).await?;
            if ok { sent += 1 } else { failed += 1 }
        }
        Ok((sent, failed))
    }
}
