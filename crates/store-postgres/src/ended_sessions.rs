//! Sessions whose rows are about to be deleted are remembered in
//! `ended_sessions` (in the deleting transaction), so a denylist refilled
//! from the database after Redis lost its data still refuses them.

use sqlx::PgConnection;
use uuid::Uuid;

/// Remembers `sessions` as ended now and forgets entries older than a day
/// (access tokens live at most 15 minutes).
pub(crate) async fn remember(conn: &mut PgConnection, sessions: &[Uuid]) -> Result<(), sqlx::Error> {
    if sessions.is_empty() {
        return Ok(());
    }
    sqlx::query("INSERT INTO ended_sessions (session_id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING")
        .bind(sessions)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM ended_sessions WHERE ended_at < now() - interval '1 day'")
        .execute(&mut *conn)
        .await?;
    Ok(())
}
