//! Outgoing e-mail: the message and the port that delivers it. Messages are
//! rendered by the domain when the change happens and stored in the outbox;
//! a worker hands them to a `Mailer` (SMTP, or files in development).

use async_trait::async_trait;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// Becomes the Message-ID, so a receiver can drop a redelivery.
    pub id: uuid::Uuid,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Why a message was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// The message itself is wrong (an unusable address, say).
    #[error("the message cannot be sent: {0}")]
    Message(String),
    /// The mail server refused, failed or could not be reached.
    #[error("the mail transport failed: {0}")]
    Transport(String),
}

/// Delivers one message. Errors are retried by the outbox worker.
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, email: &Email) -> Result<(), MailError>;
}

/// Escapes text for an HTML body.
pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    #[test]
    fn html_is_escaped() {
        assert_eq!(
            super::html_escape("<b>\"Tom & Jerry's\"</b>"),
            "&lt;b&gt;&quot;Tom &amp; Jerry&#39;s&quot;&lt;/b&gt;"
        );
    }
}
