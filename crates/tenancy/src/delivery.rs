//! Sending a queued e-mail: the use case behind the `send_email` job
//! (issue 10 §1). The message was rendered when its cause happened (an
//! invitation, a reset, a sign-up) and stored in the outbox; here it is
//! checked once more and handed to the `Mailer`.

use clearview_kernel::EmailAddress;
use clearview_kernel::mail::{Email, MailError, Mailer};
use std::sync::Arc;

#[derive(Clone)]
pub struct MailDelivery {
    mailer: Arc<dyn Mailer>,
}

impl MailDelivery {
    pub fn new(mailer: Arc<dyn Mailer>) -> Self {
        Self { mailer }
    }

    /// Sends `email`. A recipient that is not an address is refused before
    /// any server is contacted.
    pub async fn deliver(&self, email: &Email) -> Result<(), MailError> {
        if EmailAddress::parse(&email.to).is_err() {
            return Err(MailError::Message("the recipient is not an e-mail address".into()));
        }
        self.mailer.send(email).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use mockall::mock;

    mock! {
        Transport {}
        #[async_trait]
        impl Mailer for Transport {
            async fn send(&self, email: &Email) -> Result<(), MailError>;
        }
    }

    fn email(to: &str) -> Email {
        Email {
            id: uuid::Uuid::now_v7(),
            to: to.into(),
            subject: "Welcome".into(),
            text: "Hello".into(),
            html: "<p>Hello</p>".into(),
        }
    }

    #[tokio::test]
    async fn a_message_goes_to_the_mailer_once() {
        let mut mailer = MockTransport::new();
        mailer
            .expect_send()
            .withf(|e| e.to == "ada@example.test")
            .times(1)
            .returning(|_| Ok(()));
        let delivery = MailDelivery::new(Arc::new(mailer));
        assert_eq!(delivery.deliver(&email("ada@example.test")).await, Ok(()));
    }

    #[tokio::test]
    async fn a_transport_failure_is_returned_for_the_worker_to_retry() {
        let mut mailer = MockTransport::new();
        mailer
            .expect_send()
            .returning(|_| Err(MailError::Transport("connection refused".into())));
        let delivery = MailDelivery::new(Arc::new(mailer));
        let outcome = delivery.deliver(&email("ada@example.test")).await;
        assert_eq!(outcome, Err(MailError::Transport("connection refused".into())));
    }

    #[tokio::test]
    async fn a_recipient_that_is_no_address_never_reaches_the_mailer() {
        let mut mailer = MockTransport::new();
        mailer.expect_send().never();
        let delivery = MailDelivery::new(Arc::new(mailer));
        let outcome = delivery.deliver(&email("not an address")).await;
        assert!(matches!(outcome, Err(MailError::Message(_))));
    }
}
