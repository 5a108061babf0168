use super::*;

fn service(hooks: MockWebhookRepository, sender: MockWebhookSender) -> WebhookService {
    WebhookService::new(Arc::new(hooks), Arc::new(sender), "https://crm.example.com/".into())
}

fn admin() -> TenantContext {
    TenantContext::new(TenantId::generate(), UserId::generate(), Role::Admin)
}

fn sender(refusal: Option<&'static str>) -> MockWebhookSender {
    let mut sender = MockWebhookSender::new();
    sender.expect_refusal().returning(move |_| refusal.map(str::to_owned));
    sender.expect_new_secret().returning(|| "whsec_c2VjcmV0".to_owned());
    sender
}

#[test]
fn retries_follow_the_schedule_and_span_about_a_day() {
    assert_eq!(retry_delay(1), Duration::from_secs(5));
    assert_eq!(retry_delay(2), Duration::from_secs(300));
    assert_eq!(retry_delay(99), Duration::from_secs(36_000));
    let total: Duration = RETRY_SCHEDULE.iter().sum();
    assert!(total > Duration::from_secs(24 * 3600) && total < Duration::from_secs(30 * 3600));
}

#[tokio::test]
async fn a_refused_url_and_unknown_events_are_named_and_nothing_is_stored() {
    let service = service(MockWebhookRepository::new(), sender(Some("is private")));
    let events = vec!["contact.created".to_owned(), "contact.exploded".to_owned()];
    let Err(RecordError::Invalid(errors)) = service
        .create(&admin(), "http://10.0.0.1/", &events, &RequestOrigin::default())
        .await
    else {
        panic!("expected a validation error");
    };
    let fields: Vec<&str> = errors.fields().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["url", "events"]);
}

#[tokio::test]
async fn a_subscription_keeps_each_event_once_and_returns_its_secret() {
    let mut hooks = MockWebhookRepository::new();
    hooks
        .expect_create()
        .withf(|_, hook, _| hook.events == ["deal.won"] && hook.secret == "whsec_c2VjcmV0")
        .returning(|_, hook, _| {
            Ok(Webhook {
                id: hook.id,
                url: hook.url.clone(),
                events: hook.events.clone(),
                created_by: None,
                created_at: Utc::now(),
                failure_streak: 0,
                disabled_at: None,
                previous_secret_until: None,
            })
        });
    let service = service(hooks, sender(None));
    let events = vec!["deal.won".to_owned(), "deal.won".to_owned()];
    let (hook, secret) = service
        .create(
            &admin(),
            " https://hooks.example.com/x ",
            &events,
            &RequestOrigin::default(),
        )
        .await
        .unwrap();
    assert_eq!(hook.url, "https://hooks.example.com/x");
    assert_eq!(secret, "whsec_c2VjcmV0");
}

#[tokio::test]
async fn only_admins_manage_webhooks() {
    let service = service(MockWebhookRepository::new(), sender(None));
    let rep = TenantContext::new(TenantId::generate(), UserId::generate(), Role::Manager);
    assert!(matches!(service.list(&rep).await, Err(RecordError::Forbidden(_))));
    let create = service
        .create(
            &rep,
            "https://a.test",
            &["deal.won".to_owned()],
            &RequestOrigin::default(),
        )
        .await;
    assert!(matches!(create, Err(RecordError::Forbidden(_))));
}

fn outgoing() -> Outgoing {
    Outgoing {
        delivery_id: Uuid::now_v7(),
        webhook_id: Uuid::now_v7(),
        url: "https://hooks.example.com".into(),
        secrets: vec!["whsec_c2VjcmV0".into()],
        body: "{}".into(),
    }
}

async fn deliver(answer: Attempt, attempt: i32) -> (Result<(), String>, bool) {
    let mut hooks = MockWebhookRepository::new();
    hooks.expect_outgoing().returning(|_, _| Ok(Some(outgoing())));
    let last = Arc::new(std::sync::Mutex::new(None));
    let seen = last.clone();
    hooks.expect_record_attempt().returning(move |_, _, _, is_last| {
        *seen.lock().unwrap() = Some(is_last);
        Ok(1)
    });
    let mut sender = MockWebhookSender::new();
    sender.expect_send().return_const(answer);
    let service = service(hooks, sender);
    let result = service.deliver(TenantId::generate(), Uuid::now_v7(), attempt, 8).await;
    let last = last.lock().unwrap().expect("the attempt was logged");
    (result, last)
}

#[tokio::test]
async fn an_attempt_is_logged_and_a_failure_is_retried_until_the_last() {
    let ok = Attempt {
        response_code: Some(204),
        latency_ms: 3,
        error: None,
    };
    assert_eq!(deliver(ok, 1).await, (Ok(()), false));
    let refused = Attempt {
        response_code: Some(500),
        latency_ms: 3,
        error: None,
    };
    let (result, last) = deliver(refused.clone(), 1).await;
    assert_eq!(
        (result.unwrap_err().as_str(), last),
        ("the receiver answered 500", false)
    );
    let (_, last) = deliver(refused, 8).await;
    assert!(last, "the eighth failure is the last");
    let timeout = Attempt {
        response_code: None,
        latency_ms: 5000,
        error: Some("timed out".into()),
    };
    assert_eq!(deliver(timeout, 2).await.0, Err("timed out".to_owned()));
}

#[tokio::test]
async fn a_delivery_of_a_deleted_subscription_does_nothing() {
    let mut hooks = MockWebhookRepository::new();
    hooks.expect_outgoing().returning(|_, _| Ok(None));
    // No expectation on the sender: a send would panic.
    let service = service(hooks, MockWebhookSender::new());
    assert_eq!(
        service.deliver(TenantId::generate(), Uuid::now_v7(), 1, 8).await,
        Ok(())
    );
}

#[tokio::test]
async fn a_subscription_failing_too_often_is_disabled_and_its_admins_are_told() {
    let mut hooks = MockWebhookRepository::new();
    hooks.expect_outgoing().returning(|_, _| Ok(Some(outgoing())));
    hooks.expect_record_attempt().returning(|_, _, _, _| Ok(DISABLE_AFTER));
    hooks
        .expect_admins()
        .returning(|_| Ok(("Acme".into(), vec!["a@acme.test".into(), "b@acme.test".into()])));
    hooks
        .expect_disable()
        .withf(|_, _, notices| {
            notices.len() == 2
                && notices[0].to == "a@acme.test"
                && notices[0].text.contains("https://hooks.example.com")
                && notices[0].text.contains("https://crm.example.com/settings/webhooks")
        })
        .times(1)
        .returning(|_, _, _| Ok(true));
    let mut sender = MockWebhookSender::new();
    sender.expect_send().return_const(Attempt {
        response_code: Some(500),
        latency_ms: 1,
        error: None,
    });
    let result = service(hooks, sender)
        .deliver(TenantId::generate(), Uuid::now_v7(), 3, 8)
        .await;
    assert!(result.is_err(), "the attempt itself still failed");
}

#[tokio::test]
async fn rotating_keeps_the_old_secret_for_a_day() {
    let now = Utc::now();
    let mut hooks = MockWebhookRepository::new();
    hooks
        .expect_rotate_secret()
        .withf(move |_, _, secret, until, audit| {
            secret == "whsec_c2VjcmV0"
                && *until == now + chrono::Duration::hours(24)
                && audit.action == actions::WEBHOOK_SECRET_ROTATED
        })
        .returning(|_, id, _, until, _| {
            Ok(Webhook {
                id,
                url: "https://a.test".into(),
                events: vec!["deal.won".into()],
                created_by: None,
                created_at: Utc::now(),
                failure_streak: 0,
                disabled_at: None,
                previous_secret_until: Some(until),
            })
        });
    let (hook, secret) = service(hooks, sender(None))
        .rotate_secret(&admin(), Uuid::now_v7(), now, &RequestOrigin::default())
        .await
        .unwrap();
    assert_eq!(secret, "whsec_c2VjcmV0");
    assert_eq!(hook.previous_secret_until, Some(now + chrono::Duration::hours(24)));
}
