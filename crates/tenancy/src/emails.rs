//! The e-mails tenancy sends, rendered when the change happens (the outbox
//! stores the finished message). Plain text and HTML, names escaped.

use clearview_kernel::mail::{Email, html_escape};
use uuid::Uuid;

/// A message with a fresh id (the outbox job's and the `Message-ID`'s).
fn message(to: &str, subject: String, text: String, html: String) -> Email {
    Email {
        id: Uuid::now_v7(),
        to: to.to_owned(),
        subject,
        text,
        html,
    }
}

pub fn invitation(to: &str, organization: &str, inviter: &str, role: &str, link: &str, days: i64) -> Email {
    let subject = format!("{inviter} invited you to {organization} on Clearview");
    let text = format!(
        "Hello,\n\n{inviter} invited you to join {organization} on Clearview CRM as {role}.\n\n\
         Accept the invitation: {link}\n\nThe link works once and expires in {days} days. \
         If you did not expect this, ignore this message.\n"
    );
    let html = format!(
        "<p>Hello,</p><p>{} invited you to join <strong>{}</strong> on Clearview CRM as {}.</p>\
         <p><a href=\"{}\">Accept the invitation</a></p><p>The link works once and expires in {days} days. \
         If you did not expect this, ignore this message.</p>",
        html_escape(inviter),
        html_escape(organization),
        html_escape(role),
        html_escape(link),
    );
    message(to, subject, text, html)
}

pub fn password_reset(to: &str, link: &str, minutes: i64) -> Email {
    let subject = "Reset your Clearview password".to_owned();
    let text = format!(
        "Hello,\n\nSomeone asked to reset the password of this Clearview account.\n\n\
         Choose a new password: {link}\n\nThe link works once and expires in {minutes} minutes. \
         If it was not you, ignore this message; your password stays as it is.\n"
    );
    let html = format!(
        "<p>Hello,</p><p>Someone asked to reset the password of this Clearview account.</p>\
         <p><a href=\"{}\">Choose a new password</a></p><p>The link works once and expires in {minutes} minutes. \
         If it was not you, ignore this message; your password stays as it is.</p>",
        html_escape(link)
    );
    message(to, subject, text, html)
}

pub fn verify_signup(to: &str, organization: &str, link: &str, hours: i64) -> Email {
    let subject = format!("Confirm your e-mail to create {organization} on Clearview");
    let text = format!(
        "Hello,\n\nSomeone signed up for Clearview CRM with this address to create the organization \
         {organization}.\n\nConfirm your e-mail (you will be asked for the password you chose): {link}\n\n\
         The link works once and expires in {hours} hours. If it was not you, ignore this message: \
         no account is created.\n"
    );
    let html = format!(
        "<p>Hello,</p><p>Someone signed up for Clearview CRM with this address to create the organization \
         <strong>{}</strong>.</p><p><a href=\"{}\">Confirm your e-mail</a> (you will be asked for the \
         password you chose).</p><p>The link works once and expires in {hours} hours. If it was not you, \
         ignore this message: no account is created.</p>",
        html_escape(organization),
        html_escape(link),
    );
    message(to, subject, text, html)
}

pub fn account_exists(to: &str, sign_in: &str) -> Email {
    let subject = "You already have a Clearview account".to_owned();
    let text = format!(
        "Hello,\n\nSomeone tried to sign up for Clearview CRM with this address, which already has an \
         account. Nothing was changed.\n\nIf it was you, sign in at {sign_in} (or use \"Forgot password\" \
         there). If it was not you, ignore this message.\n"
    );
    let html = format!(
        "<p>Hello,</p><p>Someone tried to sign up for Clearview CRM with this address, which already has an \
         account. Nothing was changed.</p><p>If it was you, <a href=\"{}\">sign in</a> (or use \
         \"Forgot password\" there). If it was not you, ignore this message.</p>",
        html_escape(sign_in)
    );
    message(to, subject, text, html)
}

pub fn webhook_disabled(to: &str, organization: &str, url: &str, failures: i32, link: &str) -> Email {
    let subject = format!("A webhook of {organization} on Clearview was turned off");
    let text = format!(
        "Hello,\n\nClearview stopped sending webhooks to {url} for {organization}: its last {failures} \
         attempts failed in a row.\n\nFix the endpoint, then turn it on again (and send the failed \
         deliveries again if you need them): {link}\n"
    );
    let html = format!(
        "<p>Hello,</p><p>Clearview stopped sending webhooks to <code>{}</code> for <strong>{}</strong>: \
         its last {failures} attempts failed in a row.</p><p>Fix the endpoint, then \
         <a href=\"{}\">turn it on again</a> (and send the failed deliveries again if you need them).</p>",
        html_escape(url),
        html_escape(organization),
        html_escape(link),
    );
    message(to, subject, text, html)
}

/// A task's reminder to its owner (ADR 0028): what, when it is due, and
/// links to open it and to snooze it (both in the app, signed in).
pub struct TaskReminder<'a> {
    pub to: &'a str,
    pub name: &'a str,
    pub organization: &'a str,
    pub subject: &'a str,
    pub due_at: Option<chrono::DateTime<chrono::Utc>>,
    pub open_link: &'a str,
    pub snooze_link: &'a str,
}

pub fn task_reminder(r: &TaskReminder<'_>) -> Email {
    let due = match r.due_at {
        Some(at) => format!("It is due {} UTC.", at.format("%a %-d %b %Y, %H:%M")),
        None => "It has no due date.".to_owned(),
    };
    let subject = format!("Reminder: {}", r.subject);
    let text = format!(
        "Hello {},\n\nA reminder about your task in {}: {}\n{due}\n\nOpen it: {}\n\
         Remind me later: {}\n",
        r.name, r.organization, r.subject, r.open_link, r.snooze_link
    );
    let html = format!(
        "<p>Hello {},</p><p>A reminder about your task in {}: <strong>{}</strong><br>{due}</p>\
         <p><a href=\"{}\">Open the task</a> · <a href=\"{}\">Remind me later</a></p>",
        html_escape(r.name),
        html_escape(r.organization),
        html_escape(r.subject),
        html_escape(r.open_link),
        html_escape(r.snooze_link),
    );
    message(r.to, subject, text, html)
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_escaped_in_html_but_not_in_text() {
        let email = super::invitation("a@b.io", "Tom & <Co>", "Ada", "rep", "https://x/accept?token=t", 7);
        assert!(email.html.contains("Tom &amp; &lt;Co&gt;"));
        assert!(email.text.contains("Tom & <Co>"));
        assert!(email.text.contains("https://x/accept?token=t"));
    }
}
