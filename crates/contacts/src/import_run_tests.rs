//! The import runner without a database: an in-memory store that keeps
//! chunks, progress and written rows the way the PostgreSQL adapter does
//! (including its fence on `processed_before`), and can fail on demand.

use crate::import_run::{
    ImportBatch, ImportFailure, ImportJob, ImportRunPort, ImportSettings, ImportStorageError, run_import,
};
use crate::{ImportMode, ImportRowError};
use clearview_kernel::TenantId;
use std::cell::RefCell;
use uuid::Uuid;

#[derive(Default)]
struct Stored {
    total_rows: Option<i64>,
    processed_rows: i64,
    /// `(row number, first name)` of every row written, in write order.
    written: Vec<(i64, String)>,
    errors: Vec<ImportRowError>,
    failed_rows: i64,
    writes: usize,
}

struct MemoryStore {
    chunks: Vec<Vec<u8>>,
    stored: RefCell<Stored>,
    /// The write with this index (from 0) fails, as a dropped connection.
    failing_write: Option<usize>,
    /// Renewals allowed before the lease counts as taken over.
    renewals_left: RefCell<Option<usize>>,
}

impl MemoryStore {
    /// The file cut into chunks of `chunk_bytes`, so rows straddle chunks.
    fn new(file: &str, chunk_bytes: usize) -> Self {
        Self {
            chunks: file.as_bytes().chunks(chunk_bytes).map(<[u8]>::to_vec).collect(),
            stored: RefCell::default(),
            failing_write: None,
            renewals_left: RefCell::new(None),
        }
    }

    /// The job as a new run would load it.
    fn job(&self) -> ImportJob {
        let stored = self.stored.borrow();
        ImportJob {
            tenant_id: TenantId::from_uuid(Uuid::nil()),
            id: Uuid::nil(),
            created_by: None,
            status: if stored.total_rows.is_some() {
                "processing"
            } else {
                "uploaded"
            }
            .into(),
            mode: ImportMode::Skip,
            create_companies: false,
            mapping: vec![
                ("First".into(), "first_name".into()),
                ("Last".into(), "last_name".into()),
                ("Email".into(), "email".into()),
            ],
            custom_fields: Vec::new(),
            total_rows: stored.total_rows,
            processed_rows: stored.processed_rows,
        }
    }

    fn written_rows(&self) -> Vec<i64> {
        self.stored.borrow().written.iter().map(|(n, _)| *n).collect()
    }

    fn error_rows(&self) -> Vec<(i64, String)> {
        let stored = self.stored.borrow();
        stored.errors.iter().map(|e| (e.row_number, e.field.clone())).collect()
    }
}

impl ImportRunPort for MemoryStore {
    fn chunk(&self, seq: i32) -> Result<Option<Vec<u8>>, ImportStorageError> {
        Ok(self.chunks.get(seq as usize).cloned())
    }

    fn started(&self, total_rows: i64) -> Result<(), ImportStorageError> {
        self.stored.borrow_mut().total_rows = Some(total_rows);
        Ok(())
    }

    fn write_batch(&self, batch: &ImportBatch) -> Result<(), ImportStorageError> {
        let mut stored = self.stored.borrow_mut();
        let index = stored.writes;
        stored.writes += 1;
        if self.failing_write == Some(index) {
            return Err(ImportStorageError("connection reset by peer".into()));
        }
        if stored.processed_rows != batch.processed_before {
            return Err(ImportStorageError("progress moved under this batch".into()));
        }
        stored.processed_rows = batch.processed_after;
        stored.failed_rows += batch.failed_rows;
        stored.errors.extend(batch.errors.iter().cloned());
        stored
            .written
            .extend(batch.rows.iter().map(|(n, row)| (*n, row.contact.first_name.clone())));
        Ok(())
    }

    fn renew_lease(&self) -> Result<(), ImportStorageError> {
        let mut left = self.renewals_left.borrow_mut();
        match left.as_mut() {
            Some(0) => Err(ImportStorageError("lost the job's lease".into())),
            Some(n) => {
                *n -= 1;
                Ok(())
            }
            None => Ok(()),
        }
    }
}

const SETTINGS: ImportSettings = ImportSettings {
    batch_rows: 3,
    max_rows: 100,
};

/// Ten data rows: row 6 repeats row 2's address in another case, row 4's
/// address is malformed, row 9 has no last name.
fn file() -> String {
    let mut file = String::from("First,Last,Email\n");
    for n in 1..=10 {
        let line = match n {
            6 => "Six,Dup,PERSON2@x.test".to_owned(),
            4 => "Four,Bad,not-an-address".to_owned(),
            9 => "Nine,,person9@x.test".to_owned(),
            _ => format!("P{n},L{n},person{n}@x.test"),
        };
        file.push_str(&line);
        file.push('\n');
    }
    file
}

#[test]
fn every_row_is_written_once_in_batches_with_each_bad_row_named_by_field() {
    let store = MemoryStore::new(&file(), 7);
    assert_eq!(run_import(&store, &store.job(), &SETTINGS), Ok(()));
    let stored = store.stored.borrow();
    assert_eq!(stored.total_rows, Some(10));
    assert_eq!(stored.processed_rows, 10);
    assert_eq!(stored.writes, 4, "three rows a batch: 3 + 3 + 3 + 1");
    drop(stored);
    assert_eq!(store.written_rows(), [1, 2, 3, 5, 7, 8, 10]);
    assert_eq!(
        store.error_rows(),
        [(4, "email".into()), (6, "email".into()), (9, "last_name".into())]
    );
    assert_eq!(store.stored.borrow().failed_rows, 3);
}

#[test]
fn a_run_that_fails_between_batches_resumes_after_the_last_committed_one_and_writes_nothing_twice() {
    let mut store = MemoryStore::new(&file(), 5);
    store.failing_write = Some(1); // the second batch (rows 4-6)
    let first = run_import(&store, &store.job(), &SETTINGS);
    assert_eq!(first, Err(ImportFailure::Retry("connection reset by peer".into())));
    assert_eq!(
        store.stored.borrow().processed_rows,
        3,
        "only the first batch committed"
    );
    assert_eq!(store.written_rows(), [1, 2, 3]);

    // The retry loads the job again, as the worker does.
    store.failing_write = None;
    assert_eq!(run_import(&store, &store.job(), &SETTINGS), Ok(()));
    assert_eq!(store.written_rows(), [1, 2, 3, 5, 7, 8, 10], "each row once");
    // Row 6 repeats row 2, which the failed run wrote: the resumed run
    // re-read row 2 to know it.
    assert_eq!(
        store.error_rows(),
        [(4, "email".into()), (6, "email".into()), (9, "last_name".into())]
    );
    assert_eq!(store.stored.borrow().total_rows, Some(10), "counted once");
}

#[test]
fn a_second_runner_behind_the_first_is_refused_by_the_fence() {
    let store = MemoryStore::new(&file(), 64);
    let stale = store.job(); // loaded before the first runner wrote anything
    assert_eq!(run_import(&store, &store.job(), &SETTINGS), Ok(()));
    let again = run_import(&store, &stale, &SETTINGS);
    assert!(matches!(again, Err(ImportFailure::Retry(_))), "{again:?}");
    assert_eq!(store.written_rows(), [1, 2, 3, 5, 7, 8, 10]);
}

#[test]
fn a_file_over_the_row_limit_or_without_a_header_fails_for_good_and_writes_nothing() {
    let store = MemoryStore::new(&file(), 16);
    let limit = ImportSettings {
        batch_rows: 3,
        max_rows: 9,
    };
    let failed = run_import(&store, &store.job(), &limit);
    assert!(
        matches!(&failed, Err(ImportFailure::Final(m)) if m.contains("more than 9 rows")),
        "{failed:?}"
    );
    assert_eq!(store.stored.borrow().writes, 0);
    assert_eq!(store.stored.borrow().total_rows, None);

    let empty = MemoryStore::new("", 16);
    let failed = run_import(&empty, &empty.job(), &SETTINGS);
    assert!(
        matches!(&failed, Err(ImportFailure::Final(m)) if m.contains("empty")),
        "{failed:?}"
    );
}

#[test]
fn a_mapping_naming_a_missing_column_fails_for_good() {
    let store = MemoryStore::new("First,Surname,Email\nA,B,a@x.test\n", 64);
    let failed = run_import(&store, &store.job(), &SETTINGS);
    assert_eq!(
        failed,
        Err(ImportFailure::Final("the file has no column `Last`".into()))
    );
    assert_eq!(store.stored.borrow().writes, 0);
}

#[test]
fn a_lost_lease_stops_the_run_before_its_next_batch() {
    let store = MemoryStore::new(&file(), 1024);
    // Reading the file (one chunk, twice, each time also asking for the
    // chunk after it) renews three times; the renewal after the first batch
    // finds the lease gone.
    *store.renewals_left.borrow_mut() = Some(3);
    let failed = run_import(&store, &store.job(), &SETTINGS);
    assert_eq!(failed, Err(ImportFailure::Retry("lost the job's lease".into())));
    assert_eq!(store.written_rows(), [1, 2, 3], "nothing after the lease was lost");
}

#[test]
fn custom_field_columns_are_checked_with_the_fields_rules() {
    use clearview_kernel::custom_fields::{CustomEntity, FieldDefinition, FieldType, SelectOption};
    let store = MemoryStore::new(
        "First,Last,Email,Tier,VIP\nA,L,a@x.test,Gold,yes\nB,L,b@x.test,bronze,no\n",
        7,
    );
    let mut job = store.job();
    job.mapping.push(("Tier".into(), "cf.tier".into()));
    job.mapping.push(("VIP".into(), "cf.vip".into()));
    let field = |key: &str, field_type| FieldDefinition {
        id: Uuid::now_v7(),
        entity: CustomEntity::Contact,
        key: key.into(),
        label: key.into(),
        field_type,
        options: vec![SelectOption {
            key: "gold".into(),
            label: "Gold".into(),
        }],
        currency: None,
        required: false,
        position: 0,
    };
    job.custom_fields = vec![field("tier", FieldType::SingleSelect), field("vip", FieldType::Boolean)];
    run_import(&store, &job, &SETTINGS).unwrap();
    assert_eq!(store.written_rows(), [1]);
    assert_eq!(store.error_rows(), [(2, "custom_fields.tier".to_owned())]);
}
