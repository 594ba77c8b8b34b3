//! Instances started together over one PostgreSQL database: their migrations take turns
//! under an advisory lock, so every one of them starts and the schema is migrated once.
//! (PostgreSQL only; ignored without `TEST_DATABASE_URL`.)

use std::sync::{Arc, Barrier};

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use malstyrning::db::{self, Backend, ConnectionManager};

/// Processes starting at the same moment.
const INSTANCES: usize = 4;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[test]
#[cfg_attr(not(postgres_tests), ignore = "set TEST_DATABASE_URL to run it")]
fn instances_started_together_migrate_once() {
    let (url, database) =
        crate::common::postgres_database("migrate").expect("TEST_DATABASE_URL is set");

    // Each instance with a connection of its own, all released at once.
    let barrier = Arc::new(Barrier::new(INSTANCES));
    let instances: Vec<_> = (0..INSTANCES)
        .map(|_| {
            let (barrier, url) = (barrier.clone(), url.clone());
            std::thread::spawn(move || {
                let mut conn = ConnectionManager::new(Backend::Postgres(url))
                    .connect()
                    .expect("a connection");
                barrier.wait();
                db::run_migrations(&mut conn)
            })
        })
        .collect();
    let results: Vec<Result<Vec<String>, String>> = instances
        .into_iter()
        .map(|t| t.join().expect("the instance ran"))
        .collect();

    let mut conn = PgConnection::establish(&url).expect("a connection");
    let recorded = diesel::sql_query("SELECT count(*) AS n FROM __diesel_schema_migrations")
        .get_result::<Count>(&mut conn)
        .expect("the migrations table")
        .n;
    drop((conn, database));

    let applied: Vec<usize> = results
        .iter()
        .map(|r| match r {
            Ok(names) => names.len(),
            Err(e) => panic!("an instance failed to migrate: {e}"),
        })
        .collect();
    let migrations = std::fs::read_dir("migrations/postgres")
        .expect("the migrations")
        .count();
    // One instance applied every migration; the others found none pending.
    let mut sorted = applied.clone();
    sorted.sort_unstable();
    let mut expected = vec![0; INSTANCES - 1];
    expected.push(migrations);
    assert_eq!(sorted, expected, "migrations applied per instance");
    assert_eq!(recorded, migrations as i64);
    println!(
        "migrations: {INSTANCES} instances started together on a fresh PostgreSQL database: \
         all {INSTANCES} succeeded, applied per instance {applied:?}, {recorded} migrations recorded once each"
    );
}
