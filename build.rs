fn main() {
    // Rebuild when a migration changes: they are embedded into the binary.
    println!("cargo:rerun-if-changed=migrations");
    // The PostgreSQL half of the tests runs when TEST_DATABASE_URL is set; without it, the
    // test runner counts it as ignored rather than passed.
    println!("cargo:rerun-if-env-changed=TEST_DATABASE_URL");
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty()) {
        println!("cargo:rustc-cfg=postgres_tests");
    }
}
