//! The mail adapter (lettre): the kernel's `Mailer` port over SMTP
//! (`SMTP_URL`, e.g. `smtp://127.0.0.1:2525` or `smtps://user:pass@host`),
//! or — in development, with no SMTP configured — as `.eml` files in a
//! folder. Both log message ids, never addresses (invariant 9).

use async_trait::async_trait;
use clearview_kernel::mail::{Email, MailError, Mailer};
use lettre::message::{Mailbox, MultiPart, header::MessageId};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;

fn message(from: &Mailbox, email: &Email) -> Result<Message, MailError> {
    let to: Mailbox = email
        .to
        .parse()
        .map_err(|e| MailError::Message(format!("bad recipient: {e}")))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&email.subject)
        // The job's message id: a redelivery after a crash is recognisable.
        .header(MessageId::from(format!("<{}@clearview>", email.id)))
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))
        .map_err(|e| MailError::Message(e.to_string()))
}

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SMTP_URL is not usable: {e}"))?
            .timeout(Some(Duration::from_secs(10)))
            .build();
        Ok(Self {
            transport,
            from: from.parse().map_err(|e| format!("MAIL_FROM is not an address: {e}"))?,
        })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        let message = message(&self.from, email)?;
        self.transport
            .send(message)
            .await
            .map_err(|e| MailError::Transport(e.to_string()))?;
        tracing::info!(message_id = %email.id, "mail sent");
        Ok(())
    }
}

/// Writes each message as `<id>.eml` into a folder (development).
pub struct FileMailer {
    dir: PathBuf,
    from: Mailbox,
}

impl FileMailer {
    pub fn new(dir: impl Into<PathBuf>, from: &str) -> Result<Self, String> {
        Ok(Self {
            dir: dir.into(),
            from: from.parse().map_err(|e| format!("MAIL_FROM is not an address: {e}"))?,
        })
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        let message = message(&self.from, email)?;
        let transport = |e: std::io::Error| MailError::Transport(e.to_string());
        tokio::fs::create_dir_all(&self.dir).await.map_err(transport)?;
        let path = self.dir.join(format!("{}.eml", email.id));
        tokio::fs::write(&path, message.formatted()).await.map_err(transport)?;
        tracing::info!(message_id = %email.id, path = %path.display(), "mail written to a file");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> Email {
        Email {
            id: "01920000-0000-7000-8000-000000000001".parse().unwrap(),
            to: "ada@example.com".into(),
            subject: "Hi".into(),
            text: "plain".into(),
            html: "<p>html</p>".into(),
        }
    }

    #[tokio::test]
    async fn the_file_mailer_writes_a_multipart_message_with_the_job_id() {
        let dir = std::env::temp_dir().join(format!("clearview-mail-test-{}", std::process::id()));
        let mailer = FileMailer::new(&dir, "Clearview <no-reply@clearview.test>").unwrap();
        let email = email();
        mailer.send(&email).await.unwrap();
        let written = std::fs::read_to_string(dir.join(format!("{}.eml", email.id))).unwrap();
        assert!(written.contains("Message-ID: <01920000-0000-7000-8000-000000000001@clearview>"));
        assert!(written.contains("multipart/alternative"));
        assert!(written.contains("plain") && written.contains("<p>html</p>"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_bad_recipient_is_an_error_not_a_panic() {
        let from: Mailbox = "no-reply@clearview.test".parse().unwrap();
        let bad = Email {
            to: "not an address".into(),
            ..email()
        };
        assert!(message(&from, &bad).is_err());
    }
}
