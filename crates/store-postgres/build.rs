//! Rebuild when a migration is added: `sqlx::migrate!` embeds the files at
//! compile time, and cargo does not otherwise watch that folder.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
